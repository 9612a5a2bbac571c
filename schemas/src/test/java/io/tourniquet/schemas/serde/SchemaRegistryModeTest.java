package io.tourniquet.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tourniquet.schemas.AuditRecord;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Registry mode against an HTTP server that answers the two Confluent-compatible calls the serde makes
 * (POST /subjects/{subject}/versions, GET /schemas/ids/{id}), keeping schemas in memory as a registry does.
 */
class SchemaRegistryModeTest {

    private final ObjectMapper json = new ObjectMapper();
    private final List<String> schemas = new ArrayList<>();
    private final List<String> subjects = new ArrayList<>();
    private final HttpServer server = registry();

    @AfterEach
    void stop() {
        AvroCodec.get().useRegistry(null);
        server.stop(0);
    }

    private HttpServer registry() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/subjects/", exchange -> {
                String schema = json.readTree(exchange.getRequestBody()).path("schema").asText();
                subjects.add(exchange.getRequestURI().getPath().split("/")[2]);
                if (!schemas.contains(schema)) {
                    schemas.add(schema);
                }
                respond(exchange, Map.of("id", schemas.indexOf(schema) + 1));
            });
            http.createContext("/schemas/ids/", exchange -> {
                int id = Integer.parseInt(exchange.getRequestURI().getPath().replaceAll(".*/", ""));
                respond(exchange, Map.of("schema", schemas.get(id - 1)));
            });
            http.start();
            return http;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void respond(com.sun.net.httpserver.HttpExchange exchange, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static AuditRecord record() {
        return AuditRecord.newBuilder().setEventId("e1").setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setSource("test").setType("feed.accepted").setOutcome("accepted").setActor("system").setDetails(Map.of()).build();
    }

    @Test
    void writesTheRegistryWireFormatAndReadsItBackWhileSignedPayloadsStaySingleObject() {
        var serializer = new AvroSerializer();
        serializer.configure(Map.of(AvroSerializer.REGISTRY_URL_CONFIG, "http://127.0.0.1:" + server.getAddress().getPort()), false);
        AuditRecord record = record();

        byte[] value = serializer.serialize("tourniquet.audit", record);

        assertThat(value[0]).isZero();
        assertThat(subjects).containsExactly("io.tourniquet.schemas.AuditRecord");
        assertThat(new AvroDeserializer().deserialize("tourniquet.audit", value)).isEqualTo(record);
        assertThat(AvroCodec.get().encode(record)[0]).isEqualTo((byte) 0xC3);
        byte[] singleObject = AvroCodec.get().encode(record);
        assertThat(AvroCodec.get().decode(singleObject)).isEqualTo(record);
    }

    @Test
    void withoutARegistryARegistryValueIsAClearError() {
        var serializer = new AvroSerializer();
        serializer.configure(Map.of(AvroSerializer.REGISTRY_URL_CONFIG, "http://127.0.0.1:" + server.getAddress().getPort()), false);
        byte[] value = serializer.serialize("tourniquet.audit", record());
        AvroCodec.get().useRegistry(null);

        assertThatThrownBy(() -> AvroCodec.get().decode(value)).isInstanceOf(UnreadableMessageException.class)
                .hasMessageContaining("configure tourniquet.schema.registry.url");
    }

    @Test
    void anUnreachableRegistryIsAClearError() {
        AvroCodec.get().useRegistry(new SchemaRegistryClient(URI.create("http://127.0.0.1:1")));
        assertThatThrownBy(() -> AvroCodec.get().encodeValue(record())).isInstanceOf(UnreadableMessageException.class)
                .hasMessageContaining("unreachable");
    }
}
