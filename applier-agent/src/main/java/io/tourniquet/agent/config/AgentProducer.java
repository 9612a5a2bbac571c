package io.tourniquet.agent.config;

import java.time.Duration;
import java.time.ZoneId;
import io.tourniquet.agent.backend.Backend;
import io.tourniquet.agent.backend.ServerFacts;
import io.tourniquet.agent.backend.SimulatedBackend;
import io.tourniquet.agent.backend.iis.IisBackend;
import io.tourniquet.agent.backend.EnforcementLog;
import io.tourniquet.agent.backend.nginx.NginxErrorLog;
import io.tourniquet.agent.backend.nginx.NginxBackend;
import io.tourniquet.agent.backend.windows.PowerShell;
import io.tourniquet.agent.domain.AgentKeys;
import io.tourniquet.agent.domain.AgentStateStore;
import io.tourniquet.agent.domain.CommandGate;
import io.tourniquet.agent.domain.HostedServers;
import io.tourniquet.agent.domain.LocalControlStore;
import io.tourniquet.agent.domain.ServerAgent;
import io.tourniquet.agent.health.HealthProbes;
import io.tourniquet.schemas.crypto.AgentIdentityFiles;
import io.tourniquet.schemas.crypto.CommandVerifier;
import io.tourniquet.schemas.crypto.SigningKey;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.crypto.TrustedKeys;
import io.tourniquet.schemas.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;
import java.time.Clock;
import io.smallrye.common.annotation.Identifier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import java.util.Optional;
import java.util.Random;

/** Builds the agents of the configured servers; refuses to start on a configuration it cannot trust. */
@ApplicationScoped
public class AgentProducer {

    /**
     * How long the broker holds an agent's fetch when nothing is there. A command is answered at once either way (a
     * fetch returns as soon as a record is readable); the wait only sets how often an idle agent asks: every 10 s
     * instead of every 0.5 s, 20 times fewer requests from a fleet that is idle almost all the time (the bench saw
     * 500 tenants' idle fetches, over TLS, take more CPU than the pipeline). Below request.timeout.ms (30 s).
     */
    public static final int COMMAND_FETCH_MAX_WAIT_MS = 10_000;

    private static final Logger LOG = Logger.getLogger(AgentProducer.class);

    static final String AGENT_VERSION = "0.1.0";

    /** Extra settings of the command consumer: a stable member id per agent (Kafka allows only [A-Za-z0-9._-] in it). */
    @Produces
    @Identifier("agent-commands-config")
    Map<String, Object> commandConsumerConfig(AgentConfig config) {
        return Map.of("group.instance.id", "tourniquet-agent." + config.tenant() + "." + String.join("_", config.servers()),
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, COMMAND_FETCH_MAX_WAIT_MS);
    }

    @Produces
    @Singleton
    LocalControlStore localControl(AgentConfig config) {
        return new LocalControlStore(Optional.of(config.stateDir()));
    }

    /**
     * Each server's own key, made in the state directory on first start. Until it is enrolled (tourniquet agent
     * enroll registers the public half) the policy and audit services refuse and record what the server reports.
     */
    @Produces
    @Singleton
    AgentKeys agentKeys(AgentConfig config) {
        Map<String, SigningKey> keys = new LinkedHashMap<>();
        for (String server : config.servers()) {
            Topics.requireValidServer(server);
            SigningKey key = AgentIdentityFiles.ensure(config.stateDir(), server);
            keys.put(server, key);
            LOG.infof("server %s signs its events with key %s (%s); enrol it once: ./tourniquet agent enroll --tenant %s --server %s --state-dir %s",
                    server, key.keyId(), AgentIdentityFiles.publicKeyFile(config.stateDir(), server), config.tenant(), server, config.stateDir());
        }
        return new AgentKeys(keys);
    }

    @Produces
    @Singleton
    HostedServers hostedServers(AgentConfig config, LocalControlStore localControl) {
        Topics.requireValidTenant(config.tenant());
        if (config.policyPublicKeyFiles().isEmpty()) {
            throw new IllegalArgumentException("tourniquet.agent.policy-public-key-files is empty: without a pinned policy key no command can be trusted");
        }
        if (config.publisherPublicKeyFiles().isEmpty()) {
            throw new IllegalArgumentException("tourniquet.agent.publisher-public-key-files is empty: without a pinned publisher key no definition can be trusted");
        }
        CommandVerifier verifier = new CommandVerifier(config.policyPublicKeyFiles().stream().map(Ed25519Keys::readPublic).toList());
        CommandGate gate = new CommandGate(verifier, TrustedKeys.read(config.publisherPublicKeyFiles()), Clock.systemUTC());
        AgentStateStore store = new AgentStateStore(Optional.of(config.stateDir()));
        HealthProbes health = new HealthProbes(config.health().probes().entrySet().stream()
                .map(probe -> new HealthProbes.Probe(probe.getKey(), probe.getValue())).toList(), config.health().timeout(), config.health().settle());
        return new HostedServers(config.servers().stream().map(server -> {
            Topics.requireValidServer(server);
            return new ServerAgent(new ServerAgent.Identity(config.tenant(), server, "Exchange", AGENT_VERSION,
                    config.serverGroup().orElse(null), config.tags().orElse(List.of())),
                    gate, backend(config, server), store, localControl, health);
        }).toList());
    }

    private static Backend backend(AgentConfig config, String server) {
        return switch (config.backend()) {
            case "simulated" -> new SimulatedBackend(config.simulated().failureRate(), new Random(server.hashCode()),
                    config.simulated().applyLatency(), Optional.of(config.stateDir().resolve("simulated-" + server + ".properties")),
                    ServerFacts.read(config.simulated().build(), config.simulated().installedUpdates().orElse(List.of())));
            case "iis" -> {
                if (config.iis().siteConfigs().isEmpty()) {
                    throw new IllegalArgumentException("backend iis needs tourniquet.agent.iis.site-configs.\"<site>\"=<path to web.config>");
                }
                yield new IisBackend(config.iis().siteConfigs(), config.iis().rewriteModule(), PowerShell.windows(Duration.ofMinutes(2)),
                        config.stateDir(), config.iis().logDirectory());
            }
            case "nginx" -> {
                NginxBackend nginx = new NginxBackend(config.nginx().includeDir(), config.nginx().binary(), config.nginx().config(), config.nginx().probeUrl(),
                        config.nginx().exchangeUrl(), Optional.of(new EnforcementLog(EnforcementLog.file(config.nginx().errorLog()),
                                config.stateDir().resolve("nginx-enforcement-" + server + ".json"), new NginxErrorLog(ZoneId.systemDefault()))));
                nginx.install();
                yield nginx;
            }
            default -> throw new IllegalArgumentException("backend '" + config.backend() + "' is not available; use simulated, iis or nginx");
        };
    }
}
