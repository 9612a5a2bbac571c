package io.tourniquet.localstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The MSP admin's commands against the policy service's API; each names who acts (--by, default: the OS user). */
final class PolicyCommands {

    static final String USAGE = """
              policy get|status|rollouts TENANT                       a tenant's policy; per-server decisions and results; rollouts
              policy set TENANT FILE.json                             set a tenant's whole policy (onboards a new tenant)
              policy block|unblock TENANT MITIGATION                  block a mitigation for a tenant (removed where in force) or unblock it
              policy approve|reject TENANT MITIGATION --reason=TEXT [--valid-for=P7D]
              policy reapply|remove TENANT SERVER MITIGATION --reason=TEXT
              policy rollout start|pause|resume TENANT MITIGATION
              policy kill-switch MITIGATION on|off --reason=TEXT [--remove-applied]
                                                                      options: --policy=http://127.0.0.1:8082 --by=NAME""";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream out;

    PolicyCommands(PrintStream out) {
        this.out = out;
    }

    int run(String sub, List<String> args) throws InterruptedException, IOException {
        Map<String, String> options = Args.options(args);
        List<String> words = Args.positionals(args);
        ApiClient api = new ApiClient(out, options.getOrDefault("--policy", "http://127.0.0.1:8082"));
        String by = options.getOrDefault("--by", System.getProperty("user.name", "admin"));
        String byQuery = "?by=" + encode(by);
        return switch (sub) {
            case "get" -> api.call("GET", tenant(words, 0) + "/policy", null);
            case "status" -> api.call("GET", tenant(words, 0) + "/mitigations", null);
            case "rollouts" -> api.call("GET", tenant(words, 0) + "/rollouts", null);
            case "set" -> {
                Map<String, Object> policy = JSON.readValue(Files.readString(Path.of(word(words, 1, "policy set TENANT FILE.json"))), Map.class);
                policy.put("updatedBy", by);
                yield api.call("PUT", tenant(words, 0) + "/policy", JSON.writeValueAsString(policy));
            }
            case "block" -> api.call("PUT", tenant(words, 0) + "/blocked/" + encode(word(words, 1, "policy block TENANT MITIGATION")) + byQuery, null);
            case "unblock" -> api.call("DELETE", tenant(words, 0) + "/blocked/" + encode(word(words, 1, "policy unblock TENANT MITIGATION")) + byQuery, null);
            case "approve", "reject" -> {
                Map<String, Object> decision = decision(by, options);
                if (options.containsKey("--valid-for")) {
                    decision.put("validFor", options.get("--valid-for"));
                }
                yield api.call("POST", tenant(words, 0) + "/mitigations/" + encode(word(words, 1, "policy " + sub + " TENANT MITIGATION")) + "/" + sub,
                        JSON.writeValueAsString(decision));
            }
            case "reapply", "remove" -> api.call("POST", tenant(words, 0) + "/servers/" + encode(word(words, 1, "policy " + sub + " TENANT SERVER MITIGATION"))
                    + "/mitigations/" + encode(word(words, 2, "policy " + sub + " TENANT SERVER MITIGATION")) + "/" + sub, JSON.writeValueAsString(decision(by, options)));
            case "rollout" -> api.call("POST", tenant(words, 1) + "/mitigations/" + encode(word(words, 2, "policy rollout start|pause|resume TENANT MITIGATION"))
                    + "/rollout/" + encode(word(words, 0, "policy rollout start|pause|resume TENANT MITIGATION")) + byQuery, null);
            case "kill-switch" -> {
                String mitigation = encode(word(words, 0, "policy kill-switch MITIGATION on|off --reason=TEXT"));
                String onOff = word(words, 1, "policy kill-switch MITIGATION on|off --reason=TEXT");
                if (onOff.equals("on")) {
                    Map<String, Object> decision = decision(by, options);
                    decision.put("removeApplied", options.containsKey("--remove-applied"));
                    yield api.call("PUT", "/api/v1/mitigations/" + mitigation + "/kill-switch", JSON.writeValueAsString(decision));
                }
                if (onOff.equals("off")) {
                    yield api.call("DELETE", "/api/v1/mitigations/" + mitigation + "/kill-switch" + byQuery + "&reason=" + encode(options.getOrDefault("--reason", "")), null);
                }
                throw new IllegalArgumentException("usage: ./tourniquet policy kill-switch MITIGATION on|off --reason=TEXT");
            }
            default -> throw new IllegalArgumentException("usage:\n" + USAGE);
        };
    }

    private static Map<String, Object> decision(String by, Map<String, String> options) {
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("by", by);
        decision.put("reason", options.get("--reason"));
        return decision;
    }

    private static String tenant(List<String> words, int index) {
        return "/api/v1/tenants/" + encode(word(words, index, "policy <command> TENANT ..."));
    }

    private static String word(List<String> words, int index, String usage) {
        if (words.size() <= index) {
            throw new IllegalArgumentException("usage: ./tourniquet " + usage);
        }
        return words.get(index);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
