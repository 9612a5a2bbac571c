package io.tourniquet.cli;

import static io.tourniquet.cli.ApiClient.encode;

import io.tourniquet.devstack.AgentEnrolmentClient;
import io.tourniquet.schemas.crypto.AgentIdentityFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The server admin's commands, run on the server against the agent's loopback port: what is in force here
 * (Get-Mitigations.ps1), block or unblock a mitigation here (Set-ExchangeServer -MitigationsBlocked), observe only.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "On a server: what its agent has in force, block a mitigation there, or let the agent only verify and report.")
final class AgentCommands {

    @Spec
    CommandSpec spec;

    @Option(names = "--agent", paramLabel = "URL", defaultValue = "http://127.0.0.1:8091", scope = ScopeType.INHERIT,
            description = "the agent's local API (default: ${DEFAULT-VALUE})")
    String agent;

    @Option(names = "--by", paramLabel = "NAME", defaultValue = "${sys:user.name}", scope = ScopeType.INHERIT,
            description = "who acts (default: the OS user)")
    String by;

    @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            defaultValue = "${env:TOURNIQUET_AGENT_TOKEN_FILE:-.tourniquet/state/agents/acme/local-control.token}",
            description = "the agent's local API token, readable by the agent's user only: <state-dir>/local-control.token "
                    + "(default: $TOURNIQUET_AGENT_TOKEN_FILE, else the local stack's first agent: ${DEFAULT-VALUE})")
    Path tokenFile;

    /** The local API, with the token only the server's administrators can read. */
    private ApiClient api() {
        try {
            return new ApiClient(spec, agent, Files.readString(tokenFile).trim());
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "cannot read the agent's token " + tokenFile + " (" + e
                    + "): run as the agent's user, or give --token-file <state-dir>/local-control.token");
        }
    }

    private String byQuery() {
        return "by=" + encode(by);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "What is in force on this server and what is held back.")
    int status() throws InterruptedException {
        return api().call("GET", "/api/v1/status", null);
    }

    @Command(name = "block", mixinStandardHelpOptions = true, description = "Block a mitigation on this server: not applied, removed if in force.")
    int block(@Parameters(paramLabel = "MITIGATION") String mitigation) throws InterruptedException {
        return api().call("PUT", "/api/v1/local/blocked/" + encode(mitigation) + "?" + byQuery(), null);
    }

    @Command(name = "unblock", mixinStandardHelpOptions = true, description = "Unblock a mitigation on this server: it comes back.")
    int unblock(@Parameters(paramLabel = "MITIGATION") String mitigation) throws InterruptedException {
        return api().call("DELETE", "/api/v1/local/blocked/" + encode(mitigation) + "?" + byQuery(), null);
    }

    @Command(name = "enroll", mixinStandardHelpOptions = true,
            description = "Give this server's agent its own key (made in the agent's state directory when it has none, readable by its owner only) "
                    + "and register the public half with the policy service; until then the policy and audit services refuse what the server reports.")
    int enroll(@Option(names = "--tenant", required = true, paramLabel = "TENANT") String tenant,
            @Option(names = "--server", required = true, paramLabel = "SERVER") String server,
            @Option(names = "--state-dir", paramLabel = "DIR", description = "the agent's state directory "
                    + "(default: $TOURNIQUET_HOME/.tourniquet/agent-state/<tenant>, as the agent's own default)") Path stateDir,
            @Option(names = "--policy", paramLabel = "URL", defaultValue = "https://127.0.0.1:8082", description = "the policy service (default: ${DEFAULT-VALUE})")
            String policy,
            @Option(names = "--replace", description = "the server is enrolled with another key (rebuilt, key lost): replace it (recorded as such)")
            boolean replace) throws InterruptedException {
        Path dir = stateDir != null ? stateDir
                : Path.of(System.getenv().getOrDefault("TOURNIQUET_HOME", ".")).resolve(".tourniquet/agent-state").resolve(tenant);
        AgentEnrolmentClient.Result result;
        try {
            result = AgentEnrolmentClient.enrol(policy, tenant, server, dir, SignIn.bearerToken(), replace, Duration.ofSeconds(60));
        } catch (IOException e) {
            spec.commandLine().getErr().println("the policy service is not reachable at " + policy + ": " + e + " (is it running?)");
            return Cli.UNREACHABLE;
        }
        if (result.enrolled()) {
            spec.commandLine().getOut().printf("enrolled %s of %s with key %s (%s); its events are accepted from now on%n", server, tenant, result.keyId(),
                    AgentIdentityFiles.publicKeyFile(dir, server));
            return Cli.OK;
        }
        spec.commandLine().getErr().printf("not enrolled: HTTP %d %s%n", result.status(), result.body());
        return Cli.FAILED;
    }

    @Command(name = "observe-only", mixinStandardHelpOptions = true,
            description = "on: verify and report commands, change nothing, correct no drift; off: carry out what was held.")
    int observeOnly(@Parameters(paramLabel = "on|off") Cli.Switch value) throws InterruptedException {
        return api().call("PUT", "/api/v1/local/observe-only?enabled=" + (value == Cli.Switch.on) + "&" + byQuery(), null);
    }
}
