package io.tourniquet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import io.tourniquet.devstack.StackHttp;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Calls a service's REST API for the CLI: a 2xx answer is printed (JSON indented) on stdout with exit status 0; any
 * other answer on stderr with 1; a service that cannot be reached is said on stderr with 3.
 */
final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final PrintWriter out;
    private final PrintWriter err;
    private final String baseUrl;
    private final String authorization;

    ApiClient(CommandSpec spec, String baseUrl) {
        this(spec, baseUrl, null);
    }

    /** @param bearerToken sent as {@code Authorization: Bearer}; null for none */
    ApiClient(CommandSpec spec, String baseUrl, String bearerToken) {
        this.out = spec.commandLine().getOut();
        this.err = spec.commandLine().getErr();
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.authorization = bearerToken == null ? null : "Bearer " + bearerToken;
    }

    int call(String method, String path, String jsonBody) throws InterruptedException {
        return exchange(method, path, jsonBody).exitStatus();
    }

    /** The exit status call() gives, and the answer's body (empty when the service was not reached). */
    record Answer(int exitStatus, String body) {
    }

    /** As call(), printing the same, and the body for the command to read further. */
    Answer exchange(String method, String path, String jsonBody) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (jsonBody == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        }
        HttpResponse<String> response;
        try {
            response = StackHttp.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("not reachable at " + baseUrl + ": " + e + " (is it running?)");
            return new Answer(Cli.UNREACHABLE, "");
        }
        if (response.statusCode() / 100 == 2) {
            out.println(pretty(response.body()));
            return new Answer(Cli.OK, response.body());
        }
        err.println(method + " " + path + ": HTTP " + response.statusCode() + (response.body().isBlank() ? "" : "\n" + pretty(response.body())));
        return new Answer(Cli.FAILED, response.body());
    }

    /** A path segment or query value as the services expect it. */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
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
