package io.tourniquet.policy;

import io.tourniquet.schemas.topics.Topics;
import io.tourniquet.schemas.serde.AvroCodec;
import io.tourniquet.schemas.serde.AvroSerde;
import io.tourniquet.testsupport.TestAgents;
import java.util.HashSet;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** A tenant's agent-event topic in a TopologyTestDriver: each server is enrolled on first use and signs what it sends. */
public final class AgentEventsInput {

    private final TestInputTopic<String, SpecificRecord> events;
    private final TestInputTopic<String, SpecificRecord> enrolments;
    private final Set<String> enrolled = new HashSet<>();

    public AgentEventsInput(TopologyTestDriver driver, String tenant) {
        AvroSerde serde = new AvroSerde();
        events = driver.createInputTopic(Topics.agentEvents(tenant), Serdes.String().serializer(), serde.serializer());
        enrolments = driver.createInputTopic(Topics.AGENT_ENROLMENTS, Serdes.String().serializer(), serde.serializer());
    }

    /** The event as the server it names sends it (a server whose name is not valid cannot enrol: sent unsigned). */
    public void pipeInput(String key, SpecificRecord event) {
        String tenant = TestAgents.field(event, "tenantId");
        String server = TestAgents.field(event, "serverId");
        if (!validNames(tenant, server)) {
            events.pipeInput(key, event);
            return;
        }
        pipeSignedBy(tenant, server, key, event);
    }

    /** The event signed with the key of the server given, whatever server the event names (a neighbour forging it). */
    public void pipeSignedBy(String tenant, String signer, String key, SpecificRecord event) {
        enrol(tenant, signer);
        enrol(TestAgents.field(event, "tenantId"), TestAgents.field(event, "serverId"));
        byte[] value = AvroCodec.get().encodeValue(event);
        events.pipeInput(new TestRecord<>(key, event, new RecordHeaders(TestAgents.signature(tenant, signer, value))));
    }

    private void enrol(String tenant, String server) {
        if (validNames(tenant, server) && enrolled.add(tenant + "/" + server)) {
            enrolments.pipeInput(Topics.enrolmentKey(tenant, server), TestAgents.enrolment(tenant, server));
        }
    }

    private static boolean validNames(String tenant, String server) {
        try {
            Topics.enrolmentKey(tenant, server);
            return true;
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }
}
