package io.tourniquet.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** Testcontainers' Kafka, used only where a Docker engine answers. */
final class TestcontainersKafka {

    private TestcontainersKafka() {
    }


    static boolean dockerAvailable() {
        try {
            Class.forName("org.testcontainers.DockerClientFactory");
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    static String start() {
        var kafka = new KafkaContainer("apache/kafka-native:4.1.1");
        kafka.start();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "kafka-container-shutdown"));
        return kafka.getBootstrapServers();
    }
}
