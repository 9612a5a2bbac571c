package io.tourniquet.testsupport;

import io.tourniquet.schemas.AgentEnrolment;
import io.tourniquet.schemas.crypto.AgentEventSignatures;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.crypto.SigningKey;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;

/**
 * Test servers' agent keys: derived from the tenant and server names, so that every test JVM (and a packaged service
 * started by a test) agrees on them without sharing files. For tests only: anyone can derive them.
 */
public final class TestAgents {

    private TestAgents() {
    }

    public static KeyPair keys(String tenant, String server) {
        return Ed25519Keys.fromSeed(HexFormat.of().parseHex(Digests.sha256(("test agent " + tenant + "/" + server).getBytes(StandardCharsets.UTF_8))));
    }

    public static AgentEnrolment enrolment(String tenant, String server) {
        KeyPair keys = keys(tenant, server);
        return AgentEnrolment.newBuilder().setTenantId(tenant).setServerId(server).setKeyId(Ed25519Keys.keyId(keys.getPublic()))
                .setPublicKey(Ed25519Keys.toPem(keys.getPublic())).setEnrolledBy("test").setEnrolledAt(Instant.EPOCH).build();
    }

    /** The headers the server's agent sends with these value bytes. */
    public static List<Header> signature(String tenant, String server, byte[] value) {
        return AgentEventSignatures.sign(new SigningKey(keys(tenant, server)), value);
    }

    /** Every agent event carries tenantId and serverId. */
    public static String field(SpecificRecord event, String name) {
        Schema.Field field = event.getSchema().getField(name);
        Object value = field == null ? null : event.get(field.pos());
        return value == null ? null : value.toString();
    }
}
