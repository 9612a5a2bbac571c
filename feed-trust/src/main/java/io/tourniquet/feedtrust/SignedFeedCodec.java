package io.tourniquet.feedtrust;

import java.util.ArrayList;
import static io.tourniquet.feedtrust.InvalidFeedException.Reason.MALFORMED;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import java.util.List;

/** Reads and writes the {@link SignedFeed} envelope strictly, and signs payloads (for ./tourniquet feed sign). */
public final class SignedFeedCodec {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private SignedFeedCodec() {
    }

    public static SignedFeed read(byte[] envelope) {
        try {
            SignedFeed feed = JSON.readValue(envelope, SignedFeed.class);
            if (!SignedFeed.FORMAT.equals(feed.format())) {
                throw new InvalidFeedException(MALFORMED, "format is '" + feed.format() + "', expected " + SignedFeed.FORMAT);
            }
            if (feed.payload() == null || feed.signatures() == null) {
                throw new InvalidFeedException(MALFORMED, "envelope needs payload and signatures");
            }
            return feed;
        } catch (JsonProcessingException e) {
            throw new InvalidFeedException(MALFORMED, "malformed signed feed: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidFeedException(MALFORMED, "unreadable signed feed: " + e.getMessage(), e);
        }
    }

    /** Signs the payload bytes with every key and wraps them in an envelope. */
    public static byte[] sign(byte[] payload, List<KeyPair> keys) {
        try {
            List<SignedFeed.Signature> signatures = new ArrayList<>();
            for (KeyPair key : keys) {
                Signature signer = Signature.getInstance("Ed25519");
                signer.initSign(key.getPrivate());
                signer.update(payload);
                signatures.add(new SignedFeed.Signature(Ed25519Keys.keyId(key.getPublic()), Base64.getEncoder().encodeToString(signer.sign())));
            }
            return JSON.writeValueAsBytes(new SignedFeed(SignedFeed.FORMAT, Base64.getEncoder().encodeToString(payload), signatures));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot sign feed", e);
        }
    }
}
