package io.tourniquet.localstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.feedtrust.EocsVerifier;
import io.tourniquet.feedtrust.InvalidFeedException;
import io.tourniquet.feedtrust.SignedFeedCodec;
import io.tourniquet.feedtrust.SignedFeedVerifier;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** ./tourniquet feed verify|sign|test and ./tourniquet keys generate. */
final class FeedCommands {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream out;

    FeedCommands(PrintStream out) {
        this.out = out;
    }

    /** Checks a feed file with the given trust; exit status 0 only if it would be accepted. */
    int verify(List<String> args) throws IOException {
        Map<String, String> options = Args.options(args);
        Path file = Path.of(Args.positional(args, "feed verify FILE"));
        byte[] document = Files.readAllBytes(file);
        int maxBytes = Integer.parseInt(options.getOrDefault("--max-bytes", "1048576"));
        try {
            if (looksLikeXml(document)) {
                var trust = options.containsKey("--signing-anchors")
                        ? new EocsVerifier.Trust(Set.of(options.get("--signing-anchors").split(",")),
                                Set.of(options.getOrDefault("--timestamp-anchors", EocsVerifier.MICROSOFT_TIMESTAMP_PCA_2010_SHA256).split(",")), maxBytes)
                        : EocsVerifier.Trust.microsoft(maxBytes);
                var verified = new EocsVerifier(trust).verify(document);
                out.printf("ACCEPTED  Microsoft EM feed (EOCS %s)%n  signed by %s%n  certificate sha256 %s%n  signed at %s (timestamp), chain valid then%n  configs: %s%n",
                        verified.version(), verified.signerSubject(), verified.signerSha256(), verified.signingTime(),
                        verified.configs().stream().map(c -> c.id() + " " + c.actionTypes()).toList());
            } else {
                List<Path> keys = Arrays.stream(Args.required(options, "--keys", "trusted public keys, e.g. --keys=k1.pub,k2.pub").split(",")).map(Path::of).toList();
                int threshold = Integer.parseInt(options.getOrDefault("--threshold", "1"));
                String feedId = options.getOrDefault("--feed-id", payloadFeedId(document));
                var verified = new SignedFeedVerifier(feedId, keys.stream().map(Ed25519Keys::readPublic).toList(), threshold, maxBytes, Clock.systemUTC())
                        .verify(document, Optional.empty());
                out.printf("ACCEPTED  Tourniquet feed %s version %d%n  signed by %s (%d of %d required)%n  valid until %s%n  mitigations: %s%n",
                        feedId, verified.version(), verified.signedBy(), verified.signedBy().size(), threshold, verified.catalog().expiresAt(),
                        verified.catalog().definitions().stream().map(d -> d.getId() + " r" + d.getRevision()).toList());
            }
            return 0;
        } catch (InvalidFeedException e) {
            out.printf("REJECTED  %s: %s%n", e.reason(), e.getMessage());
            return 1;
        }
    }

    /** Signs a payload document (a catalog with feedId, version, issuedAt, expiresAt) with one or more keys. */
    int sign(List<String> args) throws IOException {
        Map<String, String> options = Args.options(args);
        byte[] payload = Files.readAllBytes(Path.of(Args.positional(args, "feed sign PAYLOAD.json --keys=dir/k1,dir/k2 [--out=FILE]")));
        List<KeyPair> keys = Arrays.stream(Args.required(options, "--keys", "key names, e.g. --keys=keys/k1,keys/k2 (k1.key and k1.pub)").split(","))
                .map(name -> new KeyPair(Ed25519Keys.readPublic(Path.of(name + ".pub")), Ed25519Keys.readPrivate(Path.of(name + ".key")))).toList();
        byte[] signed = SignedFeedCodec.sign(payload, keys);
        if (options.containsKey("--out")) {
            Files.write(Path.of(options.get("--out")), signed);
            out.println("signed feed written to " + options.get("--out") + " with keys "
                    + keys.stream().map(k -> Ed25519Keys.keyId(k.getPublic())).toList());
        } else {
            out.println(new String(signed, StandardCharsets.UTF_8));
        }
        return 0;
    }

    /** Writes NAME.key (owner-only) and NAME.pub; prints the key id, never the private key. */
    int generateKeys(List<String> args) throws IOException {
        Path base = Path.of(Args.positional(args, "keys generate PATH/NAME"));
        Path privateKey = Path.of(base + ".key");
        Path publicKey = Path.of(base + ".pub");
        if (Files.exists(privateKey)) {
            out.println(privateKey + " exists; not overwriting a key");
            return 1;
        }
        if (base.toAbsolutePath().getParent() != null) {
            Files.createDirectories(base.toAbsolutePath().getParent());
        }
        KeyPair pair = Ed25519Keys.generate();
        Files.writeString(privateKey, "");
        try {
            Files.setPosixFilePermissions(privateKey, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        Files.writeString(privateKey, Ed25519Keys.toPem(pair.getPrivate()));
        Files.writeString(publicKey, Ed25519Keys.toPem(pair.getPublic()));
        out.printf("Ed25519 key %s%n  private: %s (keep it offline; never logged)%n  public:  %s (give it to the ingestor's trusted-keys)%n",
                Ed25519Keys.keyId(pair.getPublic()), privateKey, publicKey);
        return 0;
    }

    /** Asks the running ingestor to fetch and verify each configured feed now, as Test-MitigationServiceConnectivity.ps1 does for EM. */
    int test(List<String> args) throws IOException, InterruptedException {
        String ingestor = Args.options(args).getOrDefault("--ingestor", "http://127.0.0.1:8081");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> feeds;
        try {
            feeds = http.send(HttpRequest.newBuilder(URI.create(ingestor + "/api/v1/feeds")).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            out.println("feed-ingestor not reachable at " + ingestor + ": " + e + " (is ./tourniquet up running?)");
            return 1;
        }
        int failures = 0;
        for (JsonNode feed : JSON.readTree(feeds.body())) {
            String id = feed.path("feedId").asText();
            var response = http.send(HttpRequest.newBuilder(URI.create(ingestor + "/api/v1/feeds/" + id + "/test"))
                    .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode verdict = JSON.readTree(response.body());
            boolean ok = verdict.path("accepted").asBoolean();
            failures += ok ? 0 : 1;
            out.printf("%-4s %-20s %-10s %s%n", ok ? "OK" : "FAIL", id, ok ? "" : verdict.path("reason").asText(), verdict.path("message").asText());
        }
        return failures == 0 ? 0 : 1;
    }

    private static boolean looksLikeXml(byte[] document) {
        for (byte b : document) {
            if (b == '<') {
                return true;
            }
            if (b == '{') {
                return false;
            }
        }
        return false;
    }

    /** The feed id the payload claims; used as the expectation only when --feed-id is not given. */
    private static String payloadFeedId(byte[] envelope) throws IOException {
        JsonNode node = JSON.readTree(envelope);
        try {
            return JSON.readTree(Base64.getDecoder().decode(node.path("payload").asText())).path("feedId").asText();
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
