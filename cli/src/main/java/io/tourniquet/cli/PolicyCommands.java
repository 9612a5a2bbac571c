package io.tourniquet.cli;

import static io.tourniquet.cli.ApiClient.encode;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The MSP admin's commands against the policy service's API; each acts as the signed-in identity (./tourniquet login). */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Tenant policies, approvals, blocks, rollouts and the global kill switch, through the policy service's API.")
final class PolicyCommands {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--policy", paramLabel = "URL", defaultValue = "https://127.0.0.1:8082", scope = ScopeType.INHERIT,
            description = "the policy service (default: ${DEFAULT-VALUE})")
    String policy;

    /** The rollout controls. */
    enum RolloutAction { start, pause, resume }

    private ApiClient api() {
        return new ApiClient(spec, policy, SignIn.bearerToken());
    }

    private static String tenant(String tenant) {
        return "/api/v1/tenants/" + encode(tenant);
    }

    private Map<String, Object> decision(String reason) {
        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("reason", reason);
        return decision;
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "A tenant's policy.")
    int get(@Parameters(paramLabel = "TENANT") String tenant) throws InterruptedException {
        return api().call("GET", tenant(tenant) + "/policy", null);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Per server: commanded, decision, reason, last result.")
    int status(@Parameters(paramLabel = "TENANT") String tenant) throws InterruptedException {
        return api().call("GET", tenant(tenant) + "/mitigations", null);
    }

    @Command(name = "rollouts", mixinStandardHelpOptions = true, description = "A tenant's staged rollouts.")
    int rollouts(@Parameters(paramLabel = "TENANT") String tenant) throws InterruptedException {
        return api().call("GET", tenant(tenant) + "/rollouts", null);
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Set a tenant's whole policy from a JSON file (onboards a new tenant).")
    int set(@Parameters(paramLabel = "TENANT") String tenant, @Parameters(paramLabel = "FILE.json") Path file) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> document = JSON.readValue(Files.readString(file), Map.class);
        // who sets it is the signed-in identity; a document exported with ./tourniquet policy get names its last editor
        document.remove("updatedBy");
        document.remove("updatedAt");
        return api().call("PUT", tenant(tenant) + "/policy", JSON.writeValueAsString(document));
    }

    @Command(name = "block", mixinStandardHelpOptions = true, description = "Block a mitigation for a tenant: removed where in force.")
    int block(@Parameters(paramLabel = "TENANT") String tenant, @Parameters(paramLabel = "MITIGATION") String mitigation) throws InterruptedException {
        return api().call("PUT", tenant(tenant) + "/blocked/" + encode(mitigation), null);
    }

    @Command(name = "unblock", mixinStandardHelpOptions = true, description = "Unblock a mitigation for a tenant: applied again where it concerns.")
    int unblock(@Parameters(paramLabel = "TENANT") String tenant, @Parameters(paramLabel = "MITIGATION") String mitigation) throws InterruptedException {
        return api().call("DELETE", tenant(tenant) + "/blocked/" + encode(mitigation), null);
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a mitigation for a tenant that requires approval.")
    int approve(@Parameters(paramLabel = "TENANT") String tenant, @Parameters(paramLabel = "MITIGATION") String mitigation,
            @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why, e.g. the change ticket") String reason,
            @Option(names = "--valid-for", paramLabel = "DURATION", description = "ISO-8601, e.g. P2D (default: the service's)") String validFor)
            throws Exception {
        Map<String, Object> decision = decision(reason);
        if (validFor != null) {
            decision.put("validFor", validFor);
        }
        return api().call("POST", tenant(tenant) + "/mitigations/" + encode(mitigation) + "/approve", JSON.writeValueAsString(decision));
    }

    @Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject a mitigation for a tenant that requires approval.")
    int reject(@Parameters(paramLabel = "TENANT") String tenant, @Parameters(paramLabel = "MITIGATION") String mitigation,
            @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why") String reason) throws Exception {
        return api().call("POST", tenant(tenant) + "/mitigations/" + encode(mitigation) + "/reject", JSON.writeValueAsString(decision(reason)));
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Take a mitigation off one server.")
    int remove(@Parameters(paramLabel = "TENANT") String tenant, @Parameters(paramLabel = "SERVER") String server,
            @Parameters(paramLabel = "MITIGATION") String mitigation,
            @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why") String reason) throws Exception {
        return serverAction(tenant, server, mitigation, "remove", reason);
    }

    @Command(name = "reapply", mixinStandardHelpOptions = true, description = "Put a mitigation back on one server (undoes remove).")
    int reapply(@Parameters(paramLabel = "TENANT") String tenant, @Parameters(paramLabel = "SERVER") String server,
            @Parameters(paramLabel = "MITIGATION") String mitigation,
            @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why") String reason) throws Exception {
        return serverAction(tenant, server, mitigation, "reapply", reason);
    }

    private int serverAction(String tenant, String server, String mitigation, String action, String reason) throws Exception {
        return api().call("POST", tenant(tenant) + "/servers/" + encode(server) + "/mitigations/" + encode(mitigation) + "/" + action,
                JSON.writeValueAsString(decision(reason)));
    }

    @Command(name = "rollout", mixinStandardHelpOptions = true, description = "Start, pause or resume a tenant's staged rollout of a mitigation.")
    int rollout(@Parameters(paramLabel = "start|pause|resume") RolloutAction action, @Parameters(paramLabel = "TENANT") String tenant,
            @Parameters(paramLabel = "MITIGATION") String mitigation) throws InterruptedException {
        return api().call("POST", tenant(tenant) + "/mitigations/" + encode(mitigation) + "/rollout/" + action, null);
    }

    @Command(name = "kill-switch", mixinStandardHelpOptions = true,
            description = "Engage (on) or release (off) the global kill switch of a mitigation: no new application anywhere.")
    int killSwitch(@Parameters(paramLabel = "MITIGATION") String mitigation, @Parameters(paramLabel = "on|off") Cli.Switch value,
            @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why") String reason,
            @Option(names = "--remove-applied", description = "also remove it where it is in force (on only)") boolean removeApplied)
            throws Exception {
        String path = "/api/v1/mitigations/" + encode(mitigation) + "/kill-switch";
        if (value == Cli.Switch.on) {
            Map<String, Object> decision = decision(reason);
            decision.put("removeApplied", removeApplied);
            return api().call("PUT", path, JSON.writeValueAsString(decision));
        }
        if (removeApplied) {
            throw new IllegalArgumentException("--remove-applied goes with 'on' only");
        }
        return api().call("DELETE", path + "?reason=" + encode(reason), null);
    }
}
