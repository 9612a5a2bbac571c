package io.tourniquet.cli;

import io.tourniquet.devstack.KafkaCredentials;
import io.tourniquet.devstack.LocalPki;
import io.tourniquet.devstack.LocalStack;
import io.tourniquet.devstack.TenantOnboarding;
import io.tourniquet.schemas.kafka.KafkaClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The MSP administrator's tenant lifecycle on the local stack: the tenant's Kafka principals and ACLs (as the
 * broker's administrator, whose client settings ./tourniquet up keeps owner-only in .tourniquet/credentials) and the
 * policy service's part (topics, agents unenrolled, the audit trail).
 */
@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Onboard or offboard a tenant: its Kafka principals and ACLs, topics and agents.")
final class TenantCommands {

    @Spec
    CommandSpec spec;

    @Option(names = "--home", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "the local stack's state (default: the one ./tourniquet up uses, .tourniquet in the checkout)")
    Path home;

    @Option(names = "--kafka", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:19092", scope = ScopeType.INHERIT,
            description = "the broker (default: ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--policy", paramLabel = "URL", defaultValue = "https://127.0.0.1:8082", scope = ScopeType.INHERIT,
            description = "the policy service (default: ${DEFAULT-VALUE})")
    String policy;

    private Path home() {
        return home != null ? home : LocalStack.Options.defaults(Cli.home()).stateDir();
    }

    /** The administrator's clients, or null when the stack runs a plaintext broker (no credentials to manage). */
    private KafkaClients administrator() {
        Path config = home().resolve("credentials").resolve(LocalStack.KAFKA_ADMIN_CONFIG + ".properties");
        if (!Files.isRegularFile(config)) {
            spec.commandLine().getErr().println("no " + config + " (a plaintext local broker, or a cluster whose users Strimzi manages): only the policy "
                    + "service's part is done; in Kubernetes that includes the tenant's KafkaUsers");
            return null;
        }
        Map<String, Object> settings = new HashMap<>(KafkaCredentials.readClientConfig(config));
        settings.put("bootstrap.servers", bootstrap);
        return KafkaClients.of(settings);
    }

    private KafkaCredentials credentials() {
        return new KafkaCredentials(home().resolve("credentials"), LocalPki.in(home().resolve("tls")), bootstrap);
    }

    @Command(name = "onboard", mixinStandardHelpOptions = true,
            description = "Create the tenant's agent and SOC principals (SCRAM-SHA-512, exactly the ACLs of KafkaAcls.tenant), its topics, and record it.")
    int onboard(@Parameters(paramLabel = "TENANT") String tenant) throws InterruptedException {
        return reported(() -> {
            var outcome = TenantOnboarding.onboard(administrator(), credentials(), policy, tenant, SignIn.bearerToken());
            if (!outcome.done()) {
                spec.commandLine().getErr().printf("policy service: HTTP %d %s%n", outcome.status(), outcome.body());
                return Cli.FAILED;
            }
            spec.commandLine().getOut().printf("onboarded %s: %s; client settings (owner-only): %s%n", tenant, outcome.body(), outcome.clientConfigs());
            return Cli.OK;
        });
    }

    private interface Step {
        int run() throws IOException, InterruptedException;
    }

    /** The step's exit status; a policy service out of reach is status 3, a refusal by Kafka or a bad name status 1. */
    private int reported(Step step) throws InterruptedException {
        try {
            return step.run();
        } catch (IOException e) {
            spec.commandLine().getErr().println("the policy service is not reachable at " + policy + ": " + e);
            return Cli.UNREACHABLE;
        } catch (IllegalStateException | IllegalArgumentException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return Cli.FAILED;
        }
    }

    @Command(name = "offboard", mixinStandardHelpOptions = true,
            description = "Revoke the tenant's Kafka access (ACLs, credentials; its topics with --delete-topics), unenrol its agents, switch its mitigations off, record it.")
    int offboard(@Parameters(paramLabel = "TENANT") String tenant,
            @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (recorded)") String reason,
            @Option(names = "--confirm", required = true, paramLabel = "TENANT", description = "the tenant's id again") String confirm,
            @Option(names = "--delete-topics", description = "also delete its command, event and CloudEvents topics; only once the policy "
                    + "service no longer lists the tenant (tourniquet.policy.tenants), since a command it still decides for the tenant "
                    + "would then have no topic to go to") boolean deleteTopics)
            throws InterruptedException {
        if (!tenant.equals(confirm)) {
            spec.commandLine().getErr().println("--confirm must repeat the tenant's id (" + tenant + "): offboarding cuts every one of its servers off");
            return Cli.USAGE;
        }
        return reported(() -> {
            var outcome = TenantOnboarding.offboard(administrator(), credentials(), policy, tenant, SignIn.bearerToken(), reason, deleteTopics);
            if (outcome.revoked() != null) {
                spec.commandLine().getOut().printf("Kafka access of %s revoked: %d ACLs, credentials %s, topics %s%n", tenant,
                        outcome.revoked().aclsDeleted(), outcome.revoked().credentialsDeleted(), outcome.revoked().topicsDeleted());
            }
            if (!outcome.done()) {
                spec.commandLine().getErr().printf("policy service: HTTP %d %s%n", outcome.status(), outcome.body());
                return Cli.FAILED;
            }
            spec.commandLine().getOut().println(outcome.body());
            return Cli.OK;
        });
    }
}
