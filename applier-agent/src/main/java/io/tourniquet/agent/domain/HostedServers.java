package io.tourniquet.agent.domain;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The servers this process acts for, by server id. */
public class HostedServers {

    private final Map<String, ServerAgent> agents;

    public HostedServers(Collection<ServerAgent> agents) {
        this.agents = agents.stream().collect(Collectors.toUnmodifiableMap(ServerAgent::serverId, Function.identity()));
    }

    public Optional<ServerAgent> get(String serverId) {
        return Optional.ofNullable(serverId == null ? null : agents.get(serverId));
    }

    public Collection<ServerAgent> all() {
        return agents.values();
    }
}
