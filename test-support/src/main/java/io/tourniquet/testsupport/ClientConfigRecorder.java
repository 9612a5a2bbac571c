package io.tourniquet.testsupport;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * For tests that a setting given once reaches every Kafka client of a service. Named in {@code kafka.metric.reporters},
 * it is built by each client that received the shared settings and records the configuration that client was given.
 * {@link #liveClientIds()} lists every client alive in the JVM (Kafka registers each in JMX), so a client made
 * without the shared settings shows up as missing here.
 */
public class ClientConfigRecorder implements MetricsReporter {

    /** The configuration one client was made with. */
    public record Client(String clientId, Map<String, String> config) {
    }

    private static final List<Client> CLIENTS = new CopyOnWriteArrayList<>();

    @Override
    public void configure(Map<String, ?> configs) {
        Map<String, String> config = new HashMap<>();
        configs.forEach((key, value) -> config.put(key, String.valueOf(value)));
        CLIENTS.add(new Client(config.getOrDefault("client.id", ""), config));
    }

    public static List<Client> clients() {
        return new ArrayList<>(CLIENTS);
    }

    /** Client ids of every producer, consumer and admin client alive in this JVM. */
    public static Set<String> liveClientIds() {
        Set<String> ids = new TreeSet<>();
        try {
            for (String type : List.of("kafka.producer", "kafka.consumer", "kafka.admin.client")) {
                for (ObjectName name : ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName(type + ":type=app-info,id=*"), null)) {
                    String id = name.getKeyProperty("id");
                    ids.add(id.startsWith("\"") ? ObjectName.unquote(id) : id);
                }
            }
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
        return ids;
    }

    /**
     * Every client alive in this JVM was made with the shared settings, and so was every client recorded since the
     * application started; each carries {@code key=value}.
     *
     * @return the ids of the live clients, for the caller to check that the clients it expects are among them
     * @throws AssertionError naming the clients that do not
     */
    public static Set<String> assertEveryClientCarries(String key, String value) {
        Set<String> live = liveClientIds();
        Set<String> recorded = new TreeSet<>();
        List<String> without = new ArrayList<>();
        for (Client client : clients()) {
            recorded.add(client.clientId());
            if (!value.equals(client.config().get(key))) {
                without.add(client.clientId());
            }
        }
        Set<String> unrecorded = new TreeSet<>(live);
        unrecorded.removeAll(recorded);
        if (!without.isEmpty() || !unrecorded.isEmpty() || live.isEmpty()) {
            throw new AssertionError("clients without " + key + "=" + value + ": " + without + "; clients made without the shared "
                    + "settings: " + unrecorded + " (live: " + live + ")");
        }
        return live;
    }

    @Override
    public void init(List<KafkaMetric> metrics) {
    }

    @Override
    public void metricChange(KafkaMetric metric) {
    }

    @Override
    public void metricRemoval(KafkaMetric metric) {
    }

    @Override
    public void close() {
    }
}
