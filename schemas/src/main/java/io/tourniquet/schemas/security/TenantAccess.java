package io.tourniquet.schemas.security;

import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A tenant's Kafka identities: its agents' principal and its SOC tool's, each with a SCRAM-SHA-512 credential and
 * exactly the ACLs of {@link KafkaAcls#tenant}. Needs the broker administrator (creating ACLs and credentials is a
 * cluster-wide right no service holds): run by {@code ./tourniquet tenant onboard|offboard} with the MSP's Kafka
 * administrator credentials, never inside a service.
 */
public final class TenantAccess {

    private static final int SCRAM_ITERATIONS = 8192;
    private static final long TIMEOUT_SECONDS = 30;

    private TenantAccess() {
    }

    /** The tenant's principals, in the order {@link #grant} expects their passwords. */
    public static List<String> principals(String tenant) {
        return List.of(KafkaAcls.agent(tenant), KafkaAcls.soc(tenant));
    }

    /** Creates or updates the principals' credentials (principal to password) and adds the tenant's ACLs. */
    public static void grant(KafkaClients administrator, String tenant, Map<String, String> passwords) {
        List<UserScramCredentialAlteration> upserts = new ArrayList<>();
        for (String principal : principals(tenant)) {
            String password = passwords.get(principal);
            if (password == null || password.length() < 16) {
                throw new IllegalArgumentException("a password of at least 16 characters is needed for " + principal);
            }
            upserts.add(new UserScramCredentialUpsertion(principal, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password));
        }
        try (Admin admin = administrator.admin(Map.of())) {
            admin.alterUserScramCredentials(upserts).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            admin.createAcls(KafkaAcls.tenant(tenant)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot grant tenant " + tenant + " its Kafka access: " + rootMessage(e), e);
        }
    }

    /** What {@link #revoke} removed. */
    public record Revoked(int aclsDeleted, List<String> credentialsDeleted, List<String> topicsDeleted) {
    }

    /**
     * Takes the tenant's access away: its ACLs (so a connected client is refused at once), its credentials (so no new
     * connection authenticates) and, when asked, its topics. What is already gone is not an error.
     */
    public static Revoked revoke(KafkaClients administrator, String tenant, boolean deleteTopics) {
        try (Admin admin = administrator.admin(Map.of())) {
            int deleted = 0;
            for (var result : admin.deleteAcls(KafkaAcls.tenant(tenant).stream().map(AclBinding::toFilter).toList()).values().values()) {
                deleted += result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).values().size();
            }
            List<String> credentials = new ArrayList<>();
            for (String principal : principals(tenant)) {
                try {
                    admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(principal, ScramMechanism.SCRAM_SHA_512)))
                            .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    credentials.add(principal);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof ResourceNotFoundException)) {
                        throw e;
                    }
                }
            }
            List<String> topics = new ArrayList<>();
            if (deleteTopics) {
                for (String topic : List.of(Topics.commands(tenant), Topics.agentEvents(tenant), Topics.tenantCloudEvents(tenant))) {
                    try {
                        admin.deleteTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        topics.add(topic);
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                            throw e;
                        }
                    }
                }
            }
            return new Revoked(deleted, credentials, topics);
        } catch (Exception e) {
            throw new IllegalStateException("cannot revoke tenant " + tenant + "'s Kafka access: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
