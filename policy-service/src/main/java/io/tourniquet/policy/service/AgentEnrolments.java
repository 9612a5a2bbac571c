package io.tourniquet.policy.service;

import io.tourniquet.policy.messaging.AdminAuditPublisher;
import io.tourniquet.policy.messaging.EnrolmentPublisher;
import io.tourniquet.policy.streams.PolicyTopology;
import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.audit.AuditType;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.security.PublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Agent identity: the public key each server's agent signs its events with, registered at enrolment and recorded in
 * the audit trail. Replacing an enrolled key is a separate, explicit act (a server rebuilt, a key lost), never a side
 * effect of enrolling again.
 */
@ApplicationScoped
public class AgentEnrolments {

    private static final Logger LOG = Logger.getLogger(AgentEnrolments.class);
    private static final int MAX_PEM_CHARS = 1_000;

    /** Enrolling a server already enrolled with another key, without saying it replaces that key. */
    public static class ConflictException extends RuntimeException {
        public ConflictException(String message) {
            super(message);
        }
    }

    @Inject
    TopologyStores stores;

    @Inject
    EnrolmentPublisher publisher;

    @Inject
    AdminAuditPublisher audit;

    /** Enrolments written by this instance, read before the global store has caught up with them. */
    private final Map<String, AgentEnrolment> written = new ConcurrentHashMap<>();

    /** The enrolment the topology checks events against now (an enrolment just written shows once it got there). */
    public Optional<AgentEnrolment> get(String tenant, String server) {
        return Optional.ofNullable(stores.read(() -> (AgentEnrolment) stores.get(PolicyTopology.ENROLMENTS_STORE).get(Topics.enrolmentKey(tenant, server))));
    }

    private Optional<AgentEnrolment> latest(String tenant, String server) {
        AgentEnrolment stored = get(tenant, server).orElse(null);
        AgentEnrolment mine = written.get(Topics.enrolmentKey(tenant, server));
        if (mine != null && (stored == null || mine.getEnrolledAt().isAfter(stored.getEnrolledAt()))) {
            return Optional.of(mine);
        }
        return Optional.ofNullable(stored);
    }

    /** Registers the server's public key; the same key again is a no-op, another key needs {@code replace}. */
    public synchronized AgentEnrolment enrol(String tenant, String server, String publicKeyPem, boolean replace, String by) {
        String key = Topics.enrolmentKey(tenant, server);
        PolicyAdmin.requireAdmin(by);
        if (publicKeyPem == null || publicKeyPem.length() > MAX_PEM_CHARS) {
            throw new IllegalArgumentException("publicKey is required: the agent's Ed25519 public key, X.509 PEM (at most " + MAX_PEM_CHARS + " characters)");
        }
        PublicKey publicKey = Ed25519Keys.publicFromPem(publicKeyPem, "publicKey");
        String keyId = Ed25519Keys.keyId(publicKey);
        Optional<AgentEnrolment> existing = latest(tenant, server);
        if (existing.isPresent() && existing.get().getKeyId().equals(keyId)) {
            return existing.get();
        }
        if (existing.isPresent() && !replace) {
            throw new ConflictException("server " + server + " of " + tenant + " is enrolled with key " + existing.get().getKeyId()
                    + "; enrolling key " + keyId + " instead must say it replaces it (replace=true), and is recorded as such");
        }
        AgentEnrolment enrolment = AgentEnrolment.newBuilder().setTenantId(tenant).setServerId(server).setKeyId(keyId)
                .setPublicKey(Ed25519Keys.toPem(publicKey)).setEnrolledBy(by).setEnrolledAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
        publisher.publish(enrolment);
        written.put(key, enrolment);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("keyId", keyId);
        existing.ifPresent(previous -> details.put("replacedKeyId", previous.getKeyId()));
        audit.record(AuditType.AGENT_ENROLLED, existing.isPresent() ? "re-enrolled" : "enrolled", by, tenant, server, null,
                existing.isPresent() ? "agent key replaced" : "agent enrolled", details);
        LOG.infof("server %s of %s enrolled with key %s by %s%s", server, tenant, keyId, by,
                existing.map(e -> " (replacing " + e.getKeyId() + ")").orElse(""));
        return enrolment;
    }
}
