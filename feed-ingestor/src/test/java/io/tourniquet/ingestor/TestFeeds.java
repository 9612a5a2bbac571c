package io.tourniquet.ingestor;

import io.tourniquet.feedtrust.SignedFeedCodec;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;

/** Tourniquet signed feeds for the tests, signed with the test keys in src/test/resources/keys (feed-k1..3). */
public final class TestFeeds {

    public static final Path KEYS = Path.of("src/test/resources/keys");

    private TestFeeds() {
    }

    /** One blocking mitigation in version {@code version} of the feed, signed by each named key. */
    public static byte[] signedFeed(String feedId, long version, String mitigationId, Instant expiresAt, String... keys) {
        String payload = """
                {"feedId": "%s", "version": "%d", "issuedAt": "%s", "expiresAt": "%s", "mitigations": [
                  {"id": "%s", "revision": 1, "title": "MSP rule", "product": "Exchange",
                   "actions": [{"type": "blockRequests", "ruleName": "MSP block", "conditions": [{"input": "{HTTP_COOKIE}", "pattern": "X-Evil"}]}]}]}
                """.formatted(feedId, version, Instant.now().minusSeconds(10), expiresAt, mitigationId);
        return SignedFeedCodec.sign(payload.getBytes(StandardCharsets.UTF_8), List.of(keys).stream().map(TestFeeds::key).toList());
    }

    private static KeyPair key(String name) {
        return new KeyPair(Ed25519Keys.readPublic(KEYS.resolve(name + ".pub")), Ed25519Keys.readPrivate(KEYS.resolve(name + ".key")));
    }
}
