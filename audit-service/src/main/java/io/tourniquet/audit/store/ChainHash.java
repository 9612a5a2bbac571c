package io.tourniquet.audit.store;

import io.tourniquet.schemas.crypto.Digests;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * The hash that links a stored event to the one before it in its tenant's chain: SHA-256 over the previous hash
 * and every stored column, so that editing, deleting or reordering a row breaks the chain from that row on.
 */
public final class ChainHash {

    public static final String GENESIS = "0".repeat(64);

    private ChainHash() {
    }

    public static String of(String previousHash, long seq, String eventId, String tenantId, String serverId, String mitigationId,
            Integer revision, String type, String outcome, String actor, String reason, Instant occurredAt, String sourceTopic, String payload) {
        String canonical = String.join("\u001f", previousHash, Long.toString(seq), eventId, tenantId, Objects.toString(serverId, ""),
                Objects.toString(mitigationId, ""), Objects.toString(revision, ""), type, outcome, actor, Objects.toString(reason, ""),
                Long.toString(occurredAt.toEpochMilli()), sourceTopic, payload);
        return Digests.sha256(canonical.getBytes(StandardCharsets.UTF_8));
    }
}
