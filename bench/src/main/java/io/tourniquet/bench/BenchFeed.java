package io.tourniquet.bench;

import java.util.function.Supplier;
import java.io.IOException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.feedtrust.SignedFeedCodec;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench's own signed feed (the Tourniquet format: Ed25519 over the exact payload), pushed to the feed ingestor
 * as an MSP's feed would be: each new version lists every mitigation so far (a mitigation left out is withdrawn).
 */
final class BenchFeed {

    static final String FEED_ID = "bench";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final KeyPair key;
    private final int recordSize;
    private final List<Map<String, Object>> mitigations = new ArrayList<>();
    private long version;

    private BenchFeed(KeyPair key, int recordSize) {
        this.key = key;
        this.recordSize = recordSize;
    }

    /** A new signing key; its public half is written to {@code publicKey} for the ingestor to trust. */
    static BenchFeed create(Path publicKey, int recordSize) throws IOException {
        KeyPair key = Ed25519Keys.generate();
        Files.createDirectories(publicKey.toAbsolutePath().getParent());
        Files.writeString(publicKey, Ed25519Keys.toPem(key.getPublic()));
        return new BenchFeed(key, recordSize);
    }

    /** Ingestor settings that trust this feed (push only) and nothing else. */
    /** @param keys the directory of the stack's signing keys (the publisher key among them) */
    static Map<String, String> ingestorConfig(Path publicKey, Path keys) {
        return Map.of("tourniquet.ingestor.feeds." + FEED_ID + ".format", "tourniquet",
                "tourniquet.ingestor.publisher-key-file", keys.resolve("feed-publisher.key").toString(),
                "tourniquet.ingestor.publisher-public-key-file", keys.resolve("feed-publisher.pub").toString(),
                "tourniquet.ingestor.feeds." + FEED_ID + ".trusted-keys", publicKey.toString(),
                "tourniquet.ingestor.bundled-catalog-enabled", "false");
    }

    /** Adds the mitigation, signs the next version and pushes it; returns when the push was sent (the feed's clock starts). */
    long publish(String ingestorUrl, Supplier<String> token, String mitigationId) throws Exception {
        mitigations.add(definition(mitigationId));
        version++;
        Instant now = Instant.now();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("feedId", FEED_ID);
        payload.put("version", Long.toString(version));
        payload.put("issuedAt", now.minusSeconds(1).toString());
        payload.put("expiresAt", now.plus(Duration.ofDays(7)).toString());
        payload.put("mitigations", mitigations);
        byte[] signed = SignedFeedCodec.sign(JSON.writeValueAsBytes(payload), List.of(key));
        long sentAt = System.currentTimeMillis();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(ingestorUrl + "/api/v1/feeds/" + FEED_ID))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json").header("Authorization", "Bearer " + token.get()).POST(HttpRequest.BodyPublishers.ofByteArray(signed)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode verdict = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !verdict.path("accepted").asBoolean()) {
            throw new IllegalStateException("feed-ingestor refused the bench feed version " + version + ": " + response.body());
        }
        return sentAt;
    }

    private Map<String, Object> definition(String id) {
        Map<String, Object> condition = Map.of("input", "{UrlDecode:{REQUEST_URI}}", "pattern", "(?=.*autodiscover)(?=.*powershell)", "ignoreCase", true);
        Map<String, Object> action = new LinkedHashMap<>();
        action.put("type", "blockRequests");
        action.put("ruleName", "bench " + id + " - inbound");
        action.put("site", "Default Web Site");
        action.put("matchUrl", ".*");
        action.put("conditions", List.of(condition));
        action.put("response", "abortRequest");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", id);
        d.put("revision", 1);
        d.put("title", "benchmark mitigation " + id);
        d.put("description", recordSize > 400 ? "x".repeat(recordSize - 400) : "benchmark");
        d.put("cves", List.of("CVE-2022-41040"));
        d.put("product", "Exchange");
        d.put("applicableBuilds", List.of());
        d.put("fixedBy", List.of());
        d.put("actions", List.of(action));
        return d;
    }
}
