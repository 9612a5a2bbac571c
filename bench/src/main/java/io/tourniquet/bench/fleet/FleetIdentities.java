package io.tourniquet.bench.fleet;

import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.crypto.SigningKey;
import io.tourniquet.schemas.kafka.KafkaClients;
import io.tourniquet.schemas.serde.AvroSerializer;
import io.tourniquet.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The simulated servers' agent keys: each derived from one secret seed of the bench run and the server's name, so
 * that the bench can enrol every simulated server before the policy service starts (its global store then holds them
 * all from the first event) and the simulator, given the seed file, signs as each server's own agent would.
 */
public final class FleetIdentities {

    private final byte[] seed;

    private FleetIdentities(byte[] seed) {
        this.seed = seed;
    }

    /** A new seed in a file readable by its owner only. */
    public static FleetIdentities create(Path file) {
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, HexFormat.of().formatHex(seed), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fleet's key seed to " + file, e);
        }
        return new FleetIdentities(seed);
    }

    public static FleetIdentities read(Path file) {
        try {
            return new FleetIdentities(HexFormat.of().parseHex(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the fleet's key seed " + file, e);
        }
    }

    public KeyPair keys(String tenant, String server) {
        byte[] name = (tenant + "/" + server).getBytes(StandardCharsets.UTF_8);
        byte[] material = new byte[seed.length + name.length];
        System.arraycopy(seed, 0, material, 0, seed.length);
        System.arraycopy(name, 0, material, seed.length, name.length);
        return Ed25519Keys.fromSeed(HexFormat.of().parseHex(Digests.sha256(material)));
    }

    public SigningKey signingKey(String tenant, String server) {
        return new SigningKey(keys(tenant, server));
    }

    /** Writes every simulated server's enrolment, as the policy service does when an agent enrols (bench administrator only). */
    public void enrol(KafkaClients kafka, Map<String, Integer> fleet) {
        Instant now = Instant.now();
        try (var producer = kafka.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new AvroSerializer())) {
            fleet.forEach((tenant, servers) -> {
                for (int s = 0; s < servers; s++) {
                    String server = FleetSimulator.serverName(s);
                    KeyPair keys = keys(tenant, server);
                    SpecificRecord enrolment = AgentEnrolment.newBuilder().setTenantId(tenant).setServerId(server)
                            .setKeyId(Ed25519Keys.keyId(keys.getPublic())).setPublicKey(Ed25519Keys.toPem(keys.getPublic()))
                            .setEnrolledBy("bench").setEnrolledAt(now).build();
                    producer.send(new ProducerRecord<>(Topics.AGENT_ENROLMENTS, Topics.enrolmentKey(tenant, server), enrolment));
                }
            });
            producer.flush();
        }
    }
}
