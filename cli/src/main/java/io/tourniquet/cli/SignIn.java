package io.tourniquet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.devstack.LocalStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * The token the CLI signed in with (./tourniquet login), kept owner-only beside the stack's other credentials, or
 * given by automation in TOURNIQUET_TOKEN. Every command against a service's API sends it.
 */
final class SignIn {

    static final String TOKEN_ENV = "TOURNIQUET_TOKEN";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SignIn() {
    }

    static Path tokenFile() {
        return LocalStack.Options.defaults(Cli.home()).stateDir().resolve("credentials").resolve("cli-token.json");
    }

    /** The bearer token to send, or why there is none usable. */
    static String bearerToken() {
        String fromEnvironment = System.getenv(TOKEN_ENV);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        Path file = tokenFile();
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("not signed in: run ./tourniquet login (or set " + TOKEN_ENV + ")");
        }
        try {
            String token = JSON.readTree(Files.readString(file)).path("access_token").asText();
            Instant expires = expiry(token);
            if (expires != null && Instant.now().isAfter(expires)) {
                throw new IllegalArgumentException("your sign-in expired at " + expires + ": run ./tourniquet login");
            }
            return token;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage() + "; run ./tourniquet login");
        }
    }

    static void save(String issuer, JsonNode tokenResponse) throws IOException {
        Path file = tokenFile();
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file); // not POSIX: the directory's permissions apply
        }
        Files.writeString(file, JSON.writeValueAsString(Map.of("issuer", issuer, "access_token", tokenResponse.path("access_token").asText())),
                StandardCharsets.UTF_8);
    }

    /** The token's claims, read without verifying it: only the services' verification decides what it allows. */
    static JsonNode claims(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("the token is not a JWT");
        }
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the token's claims cannot be read: " + e.getMessage());
        }
    }

    private static Instant expiry(String token) {
        JsonNode exp = claims(token).path("exp");
        return exp.isNumber() ? Instant.ofEpochSecond(exp.asLong()) : null;
    }
}
