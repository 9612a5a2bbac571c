package io.tourniquet.localstack;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The server admin's commands, run on the server against the agent's loopback port: what is in force here
 * (Get-Mitigations.ps1), block or unblock a mitigation here (Set-ExchangeServer -MitigationsBlocked), observe only.
 */
final class AgentCommands {

    private final PrintStream out;

    AgentCommands(PrintStream out) {
        this.out = out;
    }

    int run(String sub, List<String> args) throws InterruptedException {
        Map<String, String> options = Args.options(args);
        ApiClient agent = new ApiClient(out, options.getOrDefault("--agent", "http://127.0.0.1:8091"));
        String by = "&by=" + URLEncoder.encode(options.getOrDefault("--by", System.getProperty("user.name", "admin")), StandardCharsets.UTF_8);
        return switch (sub) {
            case "status" -> agent.call("GET", "/api/v1/status", null);
            case "block" -> agent.call("PUT", "/api/v1/local/blocked/" + mitigation(args, "block") + "?" + by.substring(1), null);
            case "unblock" -> agent.call("DELETE", "/api/v1/local/blocked/" + mitigation(args, "unblock") + "?" + by.substring(1), null);
            case "observe-only" -> {
                String onOff = Args.positional(args, "agent observe-only on|off");
                if (!onOff.equals("on") && !onOff.equals("off")) {
                    throw new IllegalArgumentException("usage: ./tourniquet agent observe-only on|off");
                }
                yield agent.call("PUT", "/api/v1/local/observe-only?enabled=" + onOff.equals("on") + by, null);
            }
            default -> throw new IllegalArgumentException("usage: ./tourniquet agent status|block ID|unblock ID|observe-only on|off [--agent=URL] [--by=NAME]");
        };
    }

    private static String mitigation(List<String> args, String verb) {
        return URLEncoder.encode(Args.positional(args, "agent " + verb + " MITIGATION-ID"), StandardCharsets.UTF_8);
    }
}
