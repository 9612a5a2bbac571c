package io.tourniquet.schemas.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * The two calls of the Confluent-compatible schema registry API (also served by Apicurio's ccompat API and
 * Karapace) that the serde needs: register a schema under a subject, and fetch a schema by id. Both are cached.
 */
public final class SchemaRegistryClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final URI baseUri;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Integer> idsBySchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    public SchemaRegistryClient(URI baseUri) {
        this.baseUri = URI.create(baseUri.toString().replaceAll("/+$", "") + "/");
    }

    public URI baseUri() {
        return baseUri;
    }

    /** Registers the schema under a subject named after the record (RecordNameStrategy) and returns its id. */
    public int idOf(Schema schema) {
        return idsBySchema.computeIfAbsent(schema.toString(), s -> {
            String subject = URLEncoder.encode(schema.getFullName(), StandardCharsets.UTF_8);
            JsonNode response = call(HttpRequest.newBuilder(baseUri.resolve("subjects/" + subject + "/versions"))
                    .header("Content-Type", CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofString(json(Map.of("schema", s)))));
            int id = response.path("id").asInt(-1);
            if (id < 0) {
                throw new UnreadableMessageException("schema registry " + baseUri + " returned no id for " + schema.getFullName());
            }
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    public Schema schemaOf(int id) {
        return schemasById.computeIfAbsent(id, i -> {
            JsonNode response = call(HttpRequest.newBuilder(baseUri.resolve("schemas/ids/" + i)).GET());
            return new Schema.Parser().parse(response.path("schema").asText());
        });
    }

    private JsonNode call(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new UnreadableMessageException("schema registry " + baseUri + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UnreadableMessageException("schema registry " + baseUri + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreadableMessageException("interrupted while calling the schema registry", e);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
