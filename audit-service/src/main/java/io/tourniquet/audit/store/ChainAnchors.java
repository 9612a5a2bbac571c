package io.tourniquet.audit.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.scheduler.Scheduled;
import io.tourniquet.audit.domain.StoredEvent;
import io.tourniquet.schemas.audit.AuditType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Anchors each tenant's chain outside the database, on a schedule: the head is signed with the audit key and recorded
 * as a {@code chain.head-signed} event, which leaves like every event (the CloudEvents topics, the tenant's webhooks,
 * the live stream). A database administrator who rewrites history and recomputes every hash still cannot meet a head
 * that a SOC or a customer already received: {@code POST /api/v1/tenants/{tenant}/chain/verification} (and
 * {@code tourniquet audit verify-head}) checks the database against it. A chain whose newest event is its last anchor
 * is not anchored again.
 */
@ApplicationScoped
public class ChainAnchors {

    private static final Logger LOG = Logger.getLogger(ChainAnchors.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SOURCE = "audit-service";

    @Inject
    AuditQueries queries;

    @Inject
    AuditStore store;

    @Inject
    ChainHeadSigner signer;

    @Scheduled(identity = "chain-anchors", every = "${tourniquet.audit.anchor-interval}", delayed = "${tourniquet.audit.anchor-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            anchor();
        } catch (Exception e) {
            LOG.errorf(e, "anchoring the chain heads failed; the next run is on schedule");
        }
    }

    /** Records a signed head for every chain that grew since its last anchor; how many were recorded. */
    public int anchor() throws Exception {
        List<StoredEvent> anchors = new ArrayList<>();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (AuditQueries.Head head : queries.unanchoredHeads()) {
            anchors.add(event(head, now));
        }
        int stored = store.store(anchors);
        if (stored > 0) {
            LOG.infof("anchored %d chain head(s)", stored);
        }
        return stored;
    }

    private StoredEvent event(AuditQueries.Head head, Instant now) throws JsonProcessingException {
        Map<String, Object> anchor = new LinkedHashMap<>();
        anchor.put("events", head.events());
        anchor.put("head", head.hash());
        signer.sign(head.tenantId(), head.events(), head.hash()).ifPresentOrElse(signed -> {
            anchor.put("signedAt", signed.signedAt().toString());
            anchor.put("signedText", signed.signedText());
            anchor.put("keyId", signed.keyId());
            anchor.put("signature", signed.signature());
            anchor.put("publicKey", signed.publicKeyPem());
        }, () -> anchor.put("signedAt", now.toString()));
        String id = UUID.nameUUIDFromBytes(("chain-head " + head.tenantId() + " " + head.events() + " " + head.hash()).getBytes(StandardCharsets.UTF_8))
                .toString();
        String reason = "head of " + head.events() + " events: " + head.hash() + (anchor.containsKey("signature") ? "" : " (unsigned: no audit signing key)");
        return new StoredEvent(id, head.tenantId(), null, null, null, AuditType.CHAIN_HEAD_SIGNED.wireName(), "signed", SOURCE, reason, now, SOURCE,
                JSON.writeValueAsString(anchor), null, null);
    }
}
