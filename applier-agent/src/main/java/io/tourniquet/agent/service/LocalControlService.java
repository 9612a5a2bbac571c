package io.tourniquet.agent.service;

import io.tourniquet.agent.domain.HostedServers;
import io.tourniquet.agent.domain.LocalControl;
import io.tourniquet.agent.domain.LocalControlStore;
import io.tourniquet.agent.messaging.AgentEventPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.jboss.logging.Logger;

/**
 * Changes what the server's own admin controls, then brings every hosted server in line and reports each change it
 * made (and the new inventory, so the policy service and the audit trail see what the admin decided).
 */
@ApplicationScoped
public class LocalControlService {

    private static final Logger LOG = Logger.getLogger(LocalControlService.class);
    private static final Pattern MITIGATION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern ADMIN = Pattern.compile("[\\p{L}\\p{N} ._@\\\\-]{1,128}");

    @Inject
    LocalControlStore store;

    @Inject
    HostedServers servers;

    @Inject
    AgentEventPublisher publisher;

    public LocalControl current() {
        return store.get();
    }

    public synchronized List<SpecificRecord> block(String mitigationId, boolean block, String by) {
        requireValid(mitigationId, MITIGATION_ID, "mitigation id");
        requireValid(by, ADMIN, "admin name");
        return change(c -> c.withBlocked(mitigationId, block, by));
    }

    public synchronized List<SpecificRecord> observeOnly(boolean observe, String by) {
        requireValid(by, ADMIN, "admin name");
        return change(c -> c.withObserveOnly(observe, by));
    }

    private List<SpecificRecord> change(UnaryOperator<LocalControl> edit) {
        LocalControl next = edit.apply(store.get());
        store.set(next);
        LOG.infof("local control changed by %s: observe-only %s, blocked %s", next.updatedBy(), next.observeOnly(), next.blocked());
        List<SpecificRecord> results = new ArrayList<>();
        for (var agent : servers.all()) {
            for (SpecificRecord result : agent.reconcileWithLocalControl()) {
                publisher.publish(agent.serverId(), result);
                results.add(result);
            }
            publisher.publish(agent.serverId(), agent.inventory());
        }
        return results;
    }

    private static void requireValid(String value, Pattern pattern, String what) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid " + what + " '" + value + "': must match " + pattern.pattern());
        }
    }
}
