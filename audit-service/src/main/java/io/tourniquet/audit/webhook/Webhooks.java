package io.tourniquet.audit.webhook;

import java.io.IOException;
import java.security.GeneralSecurityException;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.tourniquet.audit.cloudevents.OcsfRemediation;
import io.tourniquet.audit.cloudevents.PublicationListener;
import io.tourniquet.audit.config.AuditConfig;
import io.tourniquet.audit.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Per-tenant webhooks for chosen event types — the notification the EM service never sent. Each matching event is
 * queued with the event's publication (so never lost) and POSTed as a JSON CloudEvent with
 * {@code X-Tourniquet-Signature: sha256=<HMAC-SHA256 of the body with the webhook's secret>}; anything but a 2xx is
 * retried with exponential backoff, then given up on with the reason kept in the database and counted.
 */
@ApplicationScoped
public class Webhooks implements PublicationListener {

    public static final String SIGNATURE_HEADER = "X-Tourniquet-Signature";
    private static final Logger LOG = Logger.getLogger(Webhooks.class);
    private static final EventFormat FORMAT = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

    @Inject
    AuditConfig config;

    @Inject
    Database database;

    @Inject
    MeterRegistry registry;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ScheduledExecutorService scheduler;

    void start(@Observes StartupEvent event) {
        if (config.webhooks().isEmpty()) {
            return;
        }
        config.webhooks().forEach((name, hook) -> LOG.infof("webhook %s: tenant %s, types %s -> %s", name, hook.tenant(),
                hook.types().map(Object::toString).orElse("all"), hook.url()));
        // its own thread, not quarkus-scheduler: deliveries are due every 250 ms, and the scheduler's every() stops at 1 s
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "webhooks"));
        scheduler.scheduleWithFixedDelay(this::deliverDue, 250, 250, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** Queues the event for every webhook of its tenant that wants its type; part of the outbox's transaction. */
    @Override
    public void published(Connection c, OcsfRemediation.Row row, CloudEvent event) throws SQLException {
        for (Map.Entry<String, AuditConfig.Webhook> hook : config.webhooks().entrySet()) {
            if (!hook.getValue().tenant().equals(row.tenantId()) || !hook.getValue().types().map(t -> t.contains(row.type())).orElse(true)) {
                continue;
            }
            try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM webhook_delivery WHERE webhook = ? AND event_id = ?")) {
                exists.setString(1, hook.getKey());
                exists.setString(2, row.eventId());
                try (ResultSet rs = exists.executeQuery()) {
                    if (rs.next()) {
                        continue; // queued when the event was published before
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO webhook_delivery (webhook, event_id, body, status, attempts, next_attempt_at) VALUES (?, ?, ?, 'PENDING', 0, ?)")) {
                ps.setString(1, hook.getKey());
                ps.setString(2, row.eventId());
                ps.setString(3, new String(FORMAT.serialize(event), StandardCharsets.UTF_8));
                ps.setTimestamp(4, Timestamp.from(Instant.now()));
                ps.executeUpdate();
            }
        }
    }

    private record Due(long id, String webhook, String body, int attempts) {
    }

    private void deliverDue() {
        try {
            for (Due due : due()) {
                deliver(due);
            }
        } catch (Exception e) {
            LOG.warnf("webhook delivery run failed, next run retries: %s", e.toString());
        }
    }

    private List<Due> due() throws SQLException {
        List<Due> due = new ArrayList<>();
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id, webhook, body, attempts FROM webhook_delivery WHERE status = 'PENDING' AND next_attempt_at <= ? ORDER BY id LIMIT 50")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(new Due(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
                }
            }
            c.rollback();
        }
        return due;
    }

    private void deliver(Due due) throws SQLException {
        AuditConfig.Webhook hook = config.webhooks().get(due.webhook());
        String error;
        if (hook == null) {
            error = "webhook " + due.webhook() + " is no longer configured";
        } else {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(hook.url()).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", JsonFormat.CONTENT_TYPE)
                        .header(SIGNATURE_HEADER, "sha256=" + sign(hook.secret(), due.body()))
                        .header("X-Tourniquet-Delivery", Long.toString(due.id()))
                        .POST(HttpRequest.BodyPublishers.ofString(due.body())).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    update(due, "DELIVERED", due.attempts() + 1, null, null);
                    registry.counter("tourniquet.audit.webhooks.delivered", "webhook", due.webhook()).increment();
                    return;
                }
                error = "HTTP " + response.statusCode();
            } catch (IOException e) {
                error = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        int attempts = due.attempts() + 1;
        registry.counter("tourniquet.audit.webhooks.failed.attempts", "webhook", due.webhook()).increment();
        if (hook == null || attempts >= config.webhookMaxAttempts()) {
            update(due, "FAILED", attempts, error, null);
            registry.counter("tourniquet.audit.webhooks.given.up", "webhook", due.webhook()).increment();
            LOG.errorf("webhook %s: delivery %d given up after %d attempts: %s", due.webhook(), due.id(), attempts, error);
            return;
        }
        Duration wait = config.webhookRetryBase().multipliedBy(1L << Math.min(attempts - 1, 20));
        update(due, "PENDING", attempts, error, Instant.now().plus(wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait));
    }

    private void update(Due due, String status, int attempts, String error, Instant next) throws SQLException {
        try (Connection c = database.connection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE webhook_delivery SET status = ?, attempts = ?, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at), "
                        + "delivered_at = ? WHERE id = ?")) {
            ps.setString(1, status);
            ps.setInt(2, attempts);
            ps.setString(3, error == null ? null : error.substring(0, Math.min(error.length(), 1000)));
            ps.setTimestamp(4, next == null ? null : Timestamp.from(next));
            ps.setTimestamp(5, status.equals("DELIVERED") ? Timestamp.from(Instant.now()) : null);
            ps.setLong(6, due.id());
            ps.executeUpdate();
            c.commit();
        }
    }

    /** HMAC-SHA256 of the body, hex: what a receiver recomputes with the shared secret to trust the notification. */
    public static String sign(String secret, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
