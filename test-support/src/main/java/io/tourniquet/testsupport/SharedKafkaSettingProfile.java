package io.tourniquet.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * A service configured with one security setting in its shared Kafka settings ({@code kafka.*}) and the
 * {@link ClientConfigRecorder}: what a test needs to show that the setting reaches every Kafka client the service makes.
 * {@code sasl.kerberos.service.name} is a real security setting that changes nothing on a plaintext connection.
 */
public class SharedKafkaSettingProfile implements QuarkusTestProfile {

    public static final String KEY = "sasl.kerberos.service.name";
    public static final String VALUE = "tourniquet-proof";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("kafka." + KEY, VALUE, "kafka.metric.reporters", ClientConfigRecorder.class.getName());
    }
}
