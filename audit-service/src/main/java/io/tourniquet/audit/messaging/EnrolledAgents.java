package io.tourniquet.audit.messaging;

import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.crypto.AgentEventSignatures;
import io.tourniquet.schemas.kafka.CompactedTopicReader;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * The agents' enrolled keys, read from the compacted enrolment topic the policy service writes. An event that does
 * not verify may come from a server enrolled (or re-enrolled) a moment before it reported: the topic is read again
 * before the event is refused, at most once per batch, so that a batch of forged events costs one read. An
 * enrolment written before the event was sent is always seen.
 */
@ApplicationScoped
public class EnrolledAgents {

    private static final Logger LOG = Logger.getLogger(EnrolledAgents.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    KafkaClients kafka;

    private volatile Map<String, AgentEnrolment> enrolments = Map.of();

    /** The checks of one batch of agent events: the enrolment topic is read again at most once for it. */
    public final class Batch {
        private boolean refreshed;

        /** Whether the event's signature verifies with the key its server enrolled, and why not. */
        public AgentEventSignatures.Check check(Headers headers, String tenant, String server) {
            String key = Topics.enrolmentKey(tenant, server);
            var check = AgentEventSignatures.verify(headers, enrolments.get(key));
            if (!check.valid() && !refreshed) {
                refresh();
                refreshed = true;
                check = AgentEventSignatures.verify(headers, enrolments.get(key));
            }
            return check;
        }
    }

    public Batch batch() {
        return new Batch();
    }

    private synchronized void refresh() {
        Map<String, AgentEnrolment> read = new HashMap<>();
        CompactedTopicReader.latest(kafka, Topics.AGENT_ENROLMENTS, READ_TIMEOUT).forEach((key, value) -> {
            if (value instanceof AgentEnrolment enrolment) {
                read.put(key, enrolment);
            }
        });
        enrolments = Map.copyOf(read);
        LOG.debugf("%d agent enrolments read", read.size());
    }
}
