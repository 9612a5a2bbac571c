package io.tourniquet.schemas.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.AgentHeartbeat;
import io.tourniquet.schemas.serde.AvroDeserializer;
import io.tourniquet.schemas.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentEventSignaturesTest {

    private static final SigningKey EXCH01 = new SigningKey(Ed25519Keys.generate());
    private static final SigningKey EXCH02 = new SigningKey(Ed25519Keys.generate());

    private static byte[] heartbeat(String server) {
        var beat = AgentHeartbeat.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId("acme").setServerId(server)
                .setReportedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
        try (var serializer = new AvroSerializer()) {
            return serializer.serialize("tourniquet.agent-events.acme", beat);
        }
    }

    /** What a consumer sees: the headers as sent, after the deserializer has read the value. */
    private static RecordHeaders received(RecordHeaders sent, byte[] value) {
        try (var deserializer = new AvroDeserializer()) {
            deserializer.deserialize("tourniquet.agent-events.acme", sent, value);
        }
        return sent;
    }

    private static RecordHeaders signed(SigningKey key, byte[] value) {
        return new RecordHeaders(AgentEventSignatures.sign(key, value));
    }

    private static AgentEnrolment enrolment(String server, SigningKey key, java.security.PublicKey publicKey) {
        return AgentEnrolment.newBuilder().setTenantId("acme").setServerId(server).setKeyId(key.keyId())
                .setPublicKey(Ed25519Keys.toPem(publicKey)).setEnrolledBy("test").setEnrolledAt(Instant.now()).build();
    }

    @Test
    void anEventSignedByTheServersEnrolledKeyIsAcceptedAndNothingElse() {
        var pair01 = Ed25519Keys.generate();
        var key01 = new SigningKey(pair01);
        var enrolled01 = enrolment("exch01", key01, pair01.getPublic());
        byte[] value = heartbeat("exch01");

        assertThat(AgentEventSignatures.verify(received(signed(key01, value), value), enrolled01).valid()).isTrue();

        // exch02's agent signs a report about exch01: its key is not the one exch01 enrolled
        var byAnother = AgentEventSignatures.verify(received(signed(EXCH02, value), value), enrolled01);
        assertThat(byAnother.valid()).isFalse();
        assertThat(byAnother.reason()).contains("signed with key " + EXCH02.keyId()).contains(key01.keyId());

        // and claiming exch01's key id does not help
        var impostor = new RecordHeaders(AgentEventSignatures.sign(EXCH02, value));
        impostor.remove(AgentEventSignatures.KEY_ID_HEADER);
        impostor.add(AgentEventSignatures.KEY_ID_HEADER, key01.keyId().getBytes(StandardCharsets.US_ASCII));
        assertThat(AgentEventSignatures.verify(received(impostor, value), enrolled01).reason()).contains("does not verify");

        // the bytes changed in transit after signing
        byte[] altered = heartbeat("exch01");
        assertThat(AgentEventSignatures.verify(received(signed(key01, value), altered), enrolled01).valid()).isFalse();

        var unsigned = AgentEventSignatures.verify(received(new RecordHeaders(), value), enrolled01);
        assertThat(unsigned.reason()).contains("not signed");
        assertThat(AgentEventSignatures.verify(received(signed(key01, value), value), null).reason()).contains("not enrolled");
    }

    @Test
    void aDigestHeaderSentByTheProducerIsNeverTrusted() {
        var pair = Ed25519Keys.generate();
        var key = new SigningKey(pair);
        byte[] genuine = heartbeat("exch01");
        byte[] forged = heartbeat("exch01");
        // a valid signature of genuine bytes, sent with forged bytes and a digest header claiming the genuine digest
        var headers = signed(key, genuine);
        headers.add(AgentEventSignatures.RECEIVED_DIGEST_HEADER, Digests.sha256(genuine).getBytes(StandardCharsets.US_ASCII));
        assertThat(AgentEventSignatures.verify(received(headers, forged), enrolment("exch01", key, pair.getPublic())).valid()).isFalse();
        assertThat(EXCH01.keyId()).isNotEqualTo(key.keyId());
    }

    @Test
    void theAgentKeyIsMadeOnceReadableByItsOwnerOnlyAndItsPublicHalfFollowsIt(@TempDir Path state) throws Exception {
        SigningKey first = AgentIdentityFiles.ensure(state, "exch01");
        assertThat(AgentIdentityFiles.ensure(state, "exch01").keyId()).isEqualTo(first.keyId());
        assertThat(Files.getPosixFilePermissions(AgentIdentityFiles.privateKeyFile(state, "exch01")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Ed25519Keys.keyId(AgentIdentityFiles.publicKey(state, "exch01"))).isEqualTo(first.keyId());

        Files.delete(AgentIdentityFiles.publicKeyFile(state, "exch01")); // as if the agent died between the two files
        assertThat(AgentIdentityFiles.ensure(state, "exch01").keyId()).isEqualTo(first.keyId());
        assertThat(AgentIdentityFiles.ensure(state, "exch02").keyId()).isNotEqualTo(first.keyId());
    }
}
