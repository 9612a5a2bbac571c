package io.tourniquet.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The local stack's Kafka principals and their SCRAM passwords, one owner-only file each under {@code dir}
 * ({@code <principal>.password}, made on first use and kept), and for each a client configuration file
 * ({@code <principal>.properties}: the {@code kafka.*} settings a service reads, TLS trust included) that a service is
 * started with, so that no password is ever on a command line.
 */
public final class KafkaCredentials {

    private final Path dir;
    private final LocalPki pki;
    private final String bootstrapServers;

    public KafkaCredentials(Path dir, LocalPki pki, String bootstrapServers) {
        this.dir = dir;
        this.pki = pki;
        this.bootstrapServers = bootstrapServers;
    }

    /** Each principal's password, made when it has none yet. */
    public Map<String, String> passwords(Collection<String> principals) {
        Map<String, String> passwords = new LinkedHashMap<>();
        for (String principal : principals) {
            Path file = dir.resolve(principal + ".password");
            try {
                passwords.put(principal, OwnerOnlyFiles.secret(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot keep the Kafka password of " + principal + " in " + file, e);
            }
        }
        return passwords;
    }

    /** The configuration file of a client authenticating as the principal (written now, owner-only). */
    public Path clientConfig(String principal) {
        String password = passwords(List.of(principal)).get(principal);
        return clientConfig(principal, EmbeddedKafkaBroker.scramClient(bootstrapServers, pki, principal, password));
    }

    /**
     * Client settings written as {@code kafka.*} properties (bootstrap servers left to the environment), owner-only, in
     * {@code <name>.properties}.
     */
    public Path clientConfig(String name, Map<String, ?> settings) {
        Path file = dir.resolve(name + ".properties");
        String content = settings.entrySet().stream()
                .filter(e -> !e.getKey().equals("bootstrap.servers"))
                .map(e -> "kafka." + e.getKey() + "=" + escape(String.valueOf(e.getValue())))
                .sorted().collect(Collectors.joining("\n", "# Kafka client settings of " + name + " (local stack; owner-only)\n", "\n"));
        try {
            OwnerOnlyFiles.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** Deletes the principal's password and client configuration (after its credential was revoked on the broker). */
    public void forget(String principal) {
        try {
            Files.deleteIfExists(dir.resolve(principal + ".password"));
            Files.deleteIfExists(dir.resolve(principal + ".properties"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the credentials of " + principal + " in " + dir, e);
        }
    }

    /** Reads such a file back as client settings (without the kafka. prefix). */
    public static Map<String, Object> readClientConfig(Path file) {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().filter(k -> k.startsWith("kafka."))
                .forEach(k -> settings.put(k.substring("kafka.".length()), properties.getProperty(k)));
        return settings;
    }

    /** Properties-file escaping of a value: its backslashes (nothing else in a value needs it). */
    private static String escape(String value) {
        return value.replace("\\", "\\\\");
    }
}
