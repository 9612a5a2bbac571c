package io.tourniquet.policy.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.tourniquet.policy.kubernetes.StrimziKafkaUsers.Authentication;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "tourniquet.policy")
public interface PolicyConfig {

    /** Ed25519 private key (PKCS#8 PEM) that signs every command. Agents pin the matching public key. */
    Path signingKeyFile();

    /** The matching public key (X.509 PEM); its digest is the key id that agents look up. */
    Path signingPublicKeyFile();

    /** Agents refuse commands older than this. */
    @WithDefault("7d")
    Duration commandTtl();

    /** How often decisions that depend on the clock (maintenance windows, mitigation lifetime) are taken again. */
    @WithDefault("30s")
    Duration recheckInterval();

    /**
     * A change for every tenant (new mitigation, withdrawal, kill switch) is decided for this many servers per Kafka
     * transaction: agents see the first commands while the rest are decided.
     */
    @WithDefault("1000")
    int fanOutServersPerTransaction();

    /** How long an approval stays valid when the approver gives no validity. */
    @WithDefault("7d")
    Duration approvalValidity();

    /** Tenants onboarded at startup: their command and agent-event topics are created. */
    Optional<List<String>> tenants();

    /** How long startup waits for Kafka. */
    @WithDefault("30s")
    Duration kafkaTimeout();

    /** The longest a stop may take; then the process halts (BoundedShutdown), as with the broker gone it would not end. */
    @WithDefault("20s")
    Duration shutdownTimeout();

    Kubernetes kubernetes();

    /** In Kubernetes beside a Strimzi cluster: onboarding a tenant makes its KafkaUsers. */
    interface Kubernetes {
        /** Make (and at offboarding delete) each tenant's Strimzi KafkaUsers through the Kubernetes API. */
        @WithDefault("false")
        boolean tenantUsers();

        /** The Strimzi Kafka cluster's name: the users' strimzi.io/cluster label. */
        @WithDefault("tourniquet")
        String kafkaCluster();

        /** The namespace the cluster's User Operator watches; by default the service's own. */
        Optional<String> namespace();

        /** How a tenant's agents authenticate: scram-sha-512 (the agents listener) or tls (the mutual TLS listener). */
        @WithDefault("scram-sha-512")
        Authentication agentAuthentication();
    }
}
