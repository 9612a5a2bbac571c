package io.tourniquet.cli;

import static io.tourniquet.cli.ApiClient.encode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

    private ApiClient api() {
        return new ApiClient(spec, agent);
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

    @Command(name = "observe-only", mixinStandardHelpOptions = true,
            description = "on: verify and report commands, change nothing, correct no drift; off: carry out what was held.")
    int observeOnly(@Parameters(paramLabel = "on|off") Cli.Switch value) throws InterruptedException {
        return api().call("PUT", "/api/v1/local/observe-only?enabled=" + (value == Cli.Switch.on) + "&" + byQuery(), null);
    }
}
