package io.tourniquet.audit.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

@ConfigMapping(prefix = "tourniquet.audit")
public interface AuditConfig {

    /** PostgreSQL in production, e.g. jdbc:postgresql://db:5432/tourniquet. Absent: the embedded database. */
    Optional<String> jdbcUrl();

    Optional<String> jdbcUser();

    Optional<String> jdbcPassword();

    /** PostgreSQL schema the tables live in (created if missing); absent: public. */
    Optional<String> jdbcSchema();

    /** Where the embedded database keeps its file when no JDBC URL is configured. */
    @WithDefault("target/audit-db")
    Path embeddedDir();

    @WithDefault("8")
    int poolSize();

    /**
     * Stored events published as CloudEvents per batch. Under a backlog each tenant's topic gets several records per
     * request and the producer's per-partition work is shared by more rows: 10,000 instead of 2,000 took a
     * 100,000-event backlog in 500 tenants from ~4,500 to ~5,400 events/s (docs/BENCHMARKS.md).
     */
    @WithDefault("10000")
    int cloudeventsBatch();

    /** Webhooks by name: each tenant may have several, each for chosen event types. */
    Map<String, Webhook> webhooks();

    interface Webhook {
        /** The tenant whose events are sent. */
        String tenant();

        /** Where they are POSTed (a JSON CloudEvent each). */
        URI url();

        /** Shared secret of the HMAC-SHA256 signature header (X-Tourniquet-Signature: sha256=&lt;hex&gt;). */
        String secret();

        /** Event types sent, e.g. agent.applied, agent.failed, decision.halted; none: every type. */
        Optional<List<String>> types();
    }

    /** Webhook retries: wait base × 2^attempt (at most 10 minutes) between attempts, give up after max-attempts. */
    @WithDefault("1s")
    Duration webhookRetryBase();

    @WithDefault("8")
    int webhookMaxAttempts();

    /**
     * How often servers still exposed past a CISA KEV due date are looked for (OverdueNotifier's @Scheduled reads the
     * same key; its value is in application.properties).
     */
    Duration overdueCheckInterval();

    /** How often commands are looked for that servers still reporting have not carried out (StuckCommandNotifier's @Scheduled reads the same key). */
    Duration stuckCheckInterval();

    /** How long a command may wait for its result on a server that still reports before it counts as stuck. */
    @WithDefault("10m")
    Duration stuckAfter();

    /**
     * This replica's static consumer-group member id (group.instance.id of its channels, in application.properties):
     * the host name, which is the pod's name in Kubernetes.
     */
    String instanceId();

    /**
     * How often each tenant's chain head is signed and published as a chain.head-signed event when the chain grew
     * (ChainAnchors' @Scheduled reads the same key).
     */
    Duration anchorInterval();

    /** Ed25519 private key (PKCS#8 PEM) that signs chain heads; absent: heads are returned unsigned. */
    Optional<Path> signingKeyFile();

    /** Its public key (X.509 PEM), returned with each signed head so that a customer can keep it. */
    Optional<Path> signingPublicKeyFile();

    StoreRetry storeRetry();

    /**
     * A batch the database refuses (PostgreSQL restarting, a lost connection, a full disk) is stored again after
     * base × 2^attempt, at most max-delay apart; still refused after give-up-after, the service exits (status 70) for
     * its orchestrator to restart it, and the batch, never acknowledged, is read again.
     */
    interface StoreRetry {
        @WithDefault("500ms")
        Duration base();

        @WithDefault("30s")
        Duration maxDelay();

        @WithDefault("5m")
        Duration giveUpAfter();
    }
}
