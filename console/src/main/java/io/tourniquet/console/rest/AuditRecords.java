package io.tourniquet.console.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.console.client.AuditApi;
import io.tourniquet.schemas.audit.AuditType;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Finds the audit record an action produced: the policy service writes it to Kafka and the audit service stores it
 * a moment later, so the console notes the matching records already there before the action and then asks for a new
 * one by the same actor for a bounded time. Not found in time, the page says so (the action itself was accepted).
 */
@RequestScoped
public class AuditRecords {

    static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(250);
    /** Records are stamped by the policy service's clock: look a little before the request. */
    private static final Duration CLOCK_MARGIN = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    @RestClient
    AuditApi audit;

    /** The records of this kind there before an action, so that the one it produces can be told from them. */
    public record Before(String tenant, String mitigation, AuditType type, String from, Set<String> eventIds) {
    }

    public Before before(String tenant, String mitigation, AuditType type) {
        String from = Instant.now().minus(CLOCK_MARGIN).toString();
        Set<String> seen = new HashSet<>();
        Before before = new Before(tenant, mitigation, type, from, seen);
        newest(before).forEach(e -> seen.add(e.path("eventId").asText()));
        return before;
    }

    /** The newest records of the action's kind since shortly before it. */
    private JsonNode newest(Before before) {
        return audit.events(before.tenant(), null, before.mitigation(), before.type().wireName(), before.from(), 0, 1000, "newest");
    }

    public Optional<Map<String, Object>> awaitRecord(Before before, String actor) {
        Instant deadline = Instant.now().plus(WAIT);
        while (true) {
            JsonNode events;
            try {
                events = newest(before);
            } catch (ProcessingException e) {
                // the action was carried out: an audit service that went away only means its record cannot be shown now
                return Optional.empty();
            }
            for (JsonNode event : events) {
                if (actor.equals(event.path("actor").asText()) && !before.eventIds().contains(event.path("eventId").asText())) {
                    return Optional.of(JSON.convertValue(event, new TypeReference<Map<String, Object>>() { }));
                }
            }
            if (Instant.now().isAfter(deadline)) {
                return Optional.empty();
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }
}
