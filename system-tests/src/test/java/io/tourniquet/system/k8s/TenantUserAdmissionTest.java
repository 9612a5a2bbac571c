package io.tourniquet.system.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicySpec;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Variable;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.tourniquet.policy.kubernetes.StrimziKafkaUsers.Authentication;
import io.tourniquet.policy.kubernetes.TenantKafkaUsers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admission policy of k8s/cluster, evaluated with Google's CEL (the language Kubernetes evaluates it in) on what
 * onboarding makes and on what a stolen token of the policy service might try. No API server runs here: the CEL
 * rules are the part that decides, and they are checked; their wiring (match constraints, binding) is checked for
 * shape by KubernetesManifestsTest.
 */
class TenantUserAdmissionTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String POLICY_SERVICE = "system:serviceaccount:tourniquet:policy-service";
    private static final ValidatingAdmissionPolicySpec POLICY = policy();
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .addVar("object", SimpleType.DYN).addVar("oldObject", SimpleType.DYN).addVar("request", SimpleType.DYN)
            .addVar("variables", SimpleType.DYN).setStandardMacros(CelStandardMacro.STANDARD_MACROS).build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    @Test
    void whatOnboardingMakesIsAdmittedCreatedUpdatedAndDeleted() {
        for (KafkaUser user : onboarding("contoso", Authentication.SCRAM_SHA_512)) {
            assertThat(denials("CREATE", POLICY_SERVICE, map(user), null)).as(user.getMetadata().getName()).isEmpty();
            assertThat(denials("UPDATE", POLICY_SERVICE, map(user), map(user))).isEmpty();
            assertThat(denials("DELETE", POLICY_SERVICE, null, map(user))).isEmpty();
        }
        for (KafkaUser user : onboarding("fabrikam-eu", Authentication.TLS)) {
            assertThat(denials("CREATE", POLICY_SERVICE, map(user), null)).as(user.getMetadata().getName()).isEmpty();
        }
    }

    @Test
    void aUserReachingBeyondItsTenantIsRefused() {
        Map<String, Object> agent = map(onboarding("contoso", Authentication.SCRAM_SHA_512).get(0));

        assertThat(denials("CREATE", POLICY_SERVICE, withRule(agent, "topic", "", "prefix", "All"), null))
                .containsExactly("a tenant's KafkaUsers grant only the tenant's own topics and groups, as onboarding makes them");
        assertThat(denials("CREATE", POLICY_SERVICE, withRule(agent, "topic", "tourniquet.commands.fabrikam", "literal", "Read"), null)).hasSize(1);
        assertThat(denials("UPDATE", POLICY_SERVICE, withRule(agent, "topic", "tourniquet.audit.cloudevents.contoso", "literal", "Read"), agent))
                .as("the tenant's SOC grant on its agents' user").hasSize(1);
        assertThat(denials("CREATE", POLICY_SERVICE, withRule(agent, "topic", "tourniquet.commands.contoso", "literal", "Write"), null))
                .as("agents writing their own commands").hasSize(1);
        assertThat(denials("CREATE", POLICY_SERVICE, withRule(agent, "transactionalId", "", "prefix", "Write"), null)).hasSize(1);
        assertThat(denials("CREATE", POLICY_SERVICE, withRule(agent, "cluster", null, null, "Alter"), null)).hasSize(1);
    }

    @Test
    void serviceUsersAndUnlabelledUsersAreNeitherWrittenNorDeleted() {
        Map<String, Object> agent = map(onboarding("contoso", Authentication.SCRAM_SHA_512).get(0));
        Map<String, Object> renamed = copy(agent);
        metadata(renamed).put("name", "policy-service");
        assertThat(denials("CREATE", POLICY_SERVICE, renamed, null)).contains("a tenant's KafkaUsers are named agent-<tenant> and soc-<tenant>");

        Map<String, Object> unlabelled = copy(agent);
        metadata(unlabelled).put("labels", Map.of("strimzi.io/cluster", "tourniquet"));
        assertThat(denials("CREATE", POLICY_SERVICE, unlabelled, null))
                .contains("the policy service writes and deletes only KafkaUsers labelled with a tenant (tourniquet.io/tenant)");

        Map<String, Object> serviceUser = new LinkedHashMap<>(Map.of("metadata", Map.of("name", "audit-service",
                "labels", Map.of("strimzi.io/cluster", "tourniquet"))));
        assertThat(denials("DELETE", POLICY_SERVICE, null, serviceUser)).isNotEmpty();

        Map<String, Object> external = copy(agent);
        spec(external).put("authentication", Map.of("type", "tls-external"));
        assertThat(denials("CREATE", POLICY_SERVICE, external, null))
                .containsExactly("a tenant's users authenticate with a password or a certificate that Strimzi issues");
    }

    @Test
    void onlyThePolicyServicesOwnRequestsAreSubjectToIt() {
        assertThat(matches(POLICY_SERVICE)).isTrue();
        assertThat(matches("system:serviceaccount:tourniquet:audit-service")).isFalse();
        assertThat(matches("kubernetes-admin")).as("the MSP's cluster administrator manages users as it sees fit").isFalse();
    }

    private static List<KafkaUser> onboarding(String tenant, Authentication agents) {
        return List.copyOf(new TenantKafkaUsers(null, "tourniquet", "tourniquet", agents).desired(tenant).values());
    }

    /** The messages of the validations that fail (an expression that errors fails, as Kubernetes' failurePolicy Fail). */
    private static List<String> denials(String operation, String username, Map<String, Object> object, Map<String, Object> oldObject) {
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("request", request(operation, username));
        if (object != null) {
            bindings.put("object", object);
        }
        if (oldObject != null) {
            bindings.put("oldObject", oldObject);
        }
        Map<String, Object> variables = new HashMap<>();
        bindings.put("variables", variables);
        for (Variable variable : POLICY.getVariables()) {
            variables.put(variable.getName(), eval(variable.getExpression(), bindings));
        }
        List<String> denied = new ArrayList<>();
        for (Validation validation : POLICY.getValidations()) {
            Object result;
            try {
                result = eval(validation.getExpression(), bindings);
            } catch (IllegalStateException e) {
                result = false;
            }
            if (!Boolean.TRUE.equals(result)) {
                denied.add(validation.getMessage());
            }
        }
        return denied;
    }

    private static boolean matches(String username) {
        Map<String, Object> bindings = Map.of("request", request("CREATE", username));
        return POLICY.getMatchConditions().stream().allMatch(c -> Boolean.TRUE.equals(eval(c.getExpression(), bindings)));
    }

    private static Map<String, Object> request(String operation, String username) {
        return Map.of("operation", operation, "namespace", "tourniquet", "userInfo", Map.of("username", username));
    }

    private static Object eval(String expression, Map<String, Object> bindings) {
        try {
            CelAbstractSyntaxTree ast = COMPILER.compile(expression).getAst();
            return RUNTIME.createProgram(ast).eval(bindings);
        } catch (Exception e) {
            throw new IllegalStateException(expression + ": " + e.getMessage(), e);
        }
    }

    private static ValidatingAdmissionPolicySpec policy() {
        try {
            String file = Files.readString(Path.of("..", "k8s", "cluster", "policy-service-kafka-users.yaml"));
            for (String document : file.split("(?m)^---$")) {
                if (document.contains("kind: ValidatingAdmissionPolicy\n")) {
                    return YAML.readValue(document, ValidatingAdmissionPolicy.class).getSpec();
                }
            }
            throw new AssertionError("no ValidatingAdmissionPolicy in k8s/cluster/policy-service-kafka-users.yaml");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Object> map(KafkaUser user) {
        return YAML.convertValue(user, new TypeReference<Map<String, Object>>() { });
    }

    private static Map<String, Object> copy(Map<String, Object> resource) {
        return YAML.convertValue(resource, new TypeReference<Map<String, Object>>() { });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadata(Map<String, Object> resource) {
        return (Map<String, Object>) resource.get("metadata");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(Map<String, Object> resource) {
        return (Map<String, Object>) resource.get("spec");
    }

    /** The user with one more ACL rule. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withRule(Map<String, Object> user, String type, String name, String patternType, String operation) {
        Map<String, Object> changed = copy(user);
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("type", type);
        if (name != null) {
            resource.put("name", name);
            resource.put("patternType", patternType);
        }
        List<Object> acls = (List<Object>) ((Map<String, Object>) spec(changed).get("authorization")).get("acls");
        acls.add(Map.of("resource", resource, "operations", List.of(operation), "host", "*", "type", "allow"));
        return changed;
    }
}
