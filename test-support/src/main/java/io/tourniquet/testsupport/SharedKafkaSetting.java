package io.tourniquet.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * One security setting in the service's shared Kafka settings ({@code kafka.*}) and the {@link ClientConfigRecorder}:
 * what a test needs to show that the setting reaches every Kafka client the service makes.
 * {@code sasl.kerberos.service.name} is a real security setting that changes nothing on a plaintext connection, so the
 * module's other tests run with it too: a test resource, not a test profile, spares the module a restart of the
 * application (and its build) for this one test.
 */
public class SharedKafkaSetting implements QuarkusTestResourceLifecycleManager {

    public static final String KEY = "sasl.kerberos.service.name";
    public static final String VALUE = "tourniquet-proof";

    @Override
    public Map<String, String> start() {
        return Map.of("kafka." + KEY, VALUE, "kafka.metric.reporters", ClientConfigRecorder.class.getName());
    }

    @Override
    public void stop() {
        // nothing was started
    }
}
