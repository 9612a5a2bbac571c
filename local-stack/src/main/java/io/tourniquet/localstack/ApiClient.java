package io.tourniquet.localstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Calls a service's REST API for the CLI and prints the JSON answer indented; the exit status is 0 for a 2xx answer,
 * 1 otherwise (the service's error message is printed), 3 when the service cannot be reached.
 */
final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final PrintStream out;
    private final String baseUrl;

    ApiClient(PrintStream out, String baseUrl) {
        this.out = out;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    int call(String method, String path, String jsonBody) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        if (jsonBody == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            out.println("not reachable at " + baseUrl + ": " + e + " (is it running?)");
            return 3;
        }
        out.println(pretty(response.body()));
        return response.statusCode() / 100 == 2 ? 0 : 1;
    }

    private static String pretty(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            return JSON.writeValueAsString(JSON.readTree(body));
        } catch (IOException e) {
            return body;
        }
    }
}
