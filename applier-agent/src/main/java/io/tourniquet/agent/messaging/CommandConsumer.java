package io.tourniquet.agent.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.tourniquet.agent.domain.HostedServers;
import io.tourniquet.agent.domain.ServerAgent;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.SignedCommand;
import io.tourniquet.schemas.kafka.UnreadableRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads the tenant's command topic. A command for a server of this process is executed and its result reported
 * before the offset is acknowledged; commands for other servers belong to other agents and are passed over.
 */
@ApplicationScoped
public class CommandConsumer {

    /** Channel of the tenant's command topic (tourniquet.commands.&lt;tenant&gt;). */
    public static final String CHANNEL = "commands";
    /** EX_SOFTWARE (sysexits.h): the service manager restarts the agent on a non-zero status. */
    public static final int EXIT_STATUS = 70;
    private static final Logger LOG = Logger.getLogger(CommandConsumer.class);

    @Inject
    HostedServers servers;

    @Inject
    AgentEventPublisher publisher;

    @Inject
    MeterRegistry registry;

    /**
     * A command that cannot be carried out and reported (the broker gone longer than the report timeout, the state
     * directory unwritable) ends the process with {@link #EXIT_STATUS}: its service manager (systemd, WinSW) starts it
     * again and the command is read again. A stopped command channel in a process that still sends heartbeats would
     * look healthy and do nothing.
     */
    @Incoming(CHANNEL)
    @Blocking // ordered: one command at a time, in offset order
    public void consume(ConsumerRecord<String, SignedCommand> record) {
        try {
            carryOutAndReport(record);
        } catch (RuntimeException e) {
            LOG.errorf(e, "the command at %s for %s could not be carried out and reported: exiting (status %d) to be started again",
                    UnreadableRecord.origin(record), record.key(), EXIT_STATUS);
            Quarkus.asyncExit(EXIT_STATUS);
            throw e;
        }
    }

    private void carryOutAndReport(ConsumerRecord<String, SignedCommand> record) {
        var agent = servers.get(record.key());
        if (agent.isEmpty()) {
            return;
        }
        SpecificRecord result = execute(agent.get(), record);
        publisher.publish(agent.get().serverId(), result);
        registry.counter("tourniquet.agent.results", "type", result.getClass().getSimpleName()).increment();
        if (result instanceof MitigationSkipped skipped) {
            LOG.warnf("command for %s not executed (%s): %s", agent.get().serverId(), skipped.getReason(), skipped.getDetail());
        }
    }

    /** A record that could not be read is reported as such (the policy and the audit trail see it), never skipped. */
    private static SpecificRecord execute(ServerAgent agent, ConsumerRecord<String, SignedCommand> record) {
        if (record.value() == null) {
            String reason = UnreadableRecord.reason(record).orElse("an empty record (no command)");
            return agent.unreadable("record " + UnreadableRecord.origin(record) + ": " + reason);
        }
        return agent.handle(record.value());
    }
}
