package io.tourniquet.devstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.security.TenantAccess;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ./tourniquet tenant onboard|offboard: the MSP's Kafka administrator grants (or revokes) the tenant's principals
 * and ACLs (TenantAccess), and the policy service creates its topics, unenrols its agents and records each step in
 * the audit trail. On a plaintext broker there is no principal to grant: only the policy service's part is done.
 */
public final class TenantOnboarding {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The policy service's answer, the client configurations written for the new principals, what was revoked. */
    public record Outcome(int status, String body, List<Path> clientConfigs, TenantAccess.Revoked revoked) {
        public boolean done() {
            return status == 200;
        }
    }

    private TenantOnboarding() {
    }

    /**
     * @param administrator the Kafka administrator's clients; null on a plaintext broker
     * @param credentials   where the new principals' passwords and client configurations are kept (owner-only)
     */
    public static Outcome onboard(KafkaClients administrator, KafkaCredentials credentials, String policyUrl, String tenant, String bearerToken)
            throws IOException, InterruptedException {
        Topics.requireValidTenant(tenant);
        List<String> principals = administrator == null ? List.of() : TenantAccess.principals(tenant);
        if (administrator != null) {
            TenantAccess.grant(administrator, tenant, credentials.passwords(principals));
        }
        List<Path> configs = principals.stream().map(credentials::clientConfig).toList();
        var response = post(policyUrl, bearerToken, tenant, "onboarding", Map.of("kafkaAccess", Map.of("principals", principals)));
        return new Outcome(response.statusCode(), response.body(), configs, null);
    }

    /** Revokes the tenant's Kafka access first (its agents are cut off at once), then tells the policy service. */
    public static Outcome offboard(KafkaClients administrator, KafkaCredentials credentials, String policyUrl, String tenant,
            String bearerToken, String reason, boolean deleteTopics) throws IOException, InterruptedException {
        Topics.requireValidTenant(tenant);
        TenantAccess.Revoked revoked = null;
        Map<String, Object> access = new LinkedHashMap<>();
        if (administrator != null) {
            revoked = TenantAccess.revoke(administrator, tenant, deleteTopics);
            TenantAccess.principals(tenant).forEach(credentials::forget);
            access.put("principals", revoked.credentialsDeleted());
            access.put("aclsDeleted", revoked.aclsDeleted());
            access.put("topicsDeleted", revoked.topicsDeleted());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("reason", reason);
        body.put("kafkaAccess", access);
        var response = post(policyUrl, bearerToken, tenant, "offboarding", body);
        return new Outcome(response.statusCode(), response.body(), List.of(), revoked);
    }

    private static HttpResponse<String> post(String policyUrl, String bearerToken, String tenant, String action, Map<String, Object> body)
            throws IOException, InterruptedException {
        URI uri = URI.create(policyUrl.replaceAll("/+$", "") + "/api/v1/tenants/" + tenant + "/" + action);
        return StackHttp.client().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + bearerToken).POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
    }
}
