package io.tourniquet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.feedtrust.EocsVerifier;
import io.tourniquet.feedtrust.InvalidFeedException;
import io.tourniquet.feedtrust.SignedFeedCodec;
import io.tourniquet.feedtrust.SignedFeedVerifier;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import io.tourniquet.devstack.StackHttp;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** ./tourniquet feed verify|sign|test: would a feed be accepted, sign one, ask the running ingestor. */
@Command(name = "feed", mixinStandardHelpOptions = true, description = "Check, sign and test mitigation feeds.")
final class FeedCommands {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Would the ingestor accept this feed file? Tourniquet's signed JSON or Microsoft's EOCS XML; exit status 0 only if so.")
    int verify(@Parameters(paramLabel = "FILE") Path file,
            @Option(names = "--keys", split = ",", paramLabel = "KEY.pub", description = "trusted public keys (Tourniquet feed), e.g. k1.pub,k2.pub")
            List<Path> keys,
            @Option(names = "--threshold", defaultValue = "1", paramLabel = "N", description = "signatures required (default: ${DEFAULT-VALUE})") int threshold,
            @Option(names = "--feed-id", paramLabel = "ID", description = "the feed id expected (default: the one the payload claims)") String feedId,
            @Option(names = "--max-bytes", defaultValue = "1048576", paramLabel = "N", description = "largest document accepted (default: ${DEFAULT-VALUE})")
            int maxBytes,
            @Option(names = "--signing-anchors", split = ",", paramLabel = "SHA256", description = "EOCS: pinned signing root certificates "
                    + "(default: Microsoft Root Certificate Authority 2011)") Set<String> signingAnchors,
            @Option(names = "--timestamp-anchors", split = ",", paramLabel = "SHA256", description = "EOCS: pinned timestamping certificates")
            Set<String> timestampAnchors) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        byte[] document = Files.readAllBytes(file);
        try {
            if (looksLikeXml(document)) {
                var trust = signingAnchors != null
                        ? new EocsVerifier.Trust(signingAnchors, timestampAnchors != null ? timestampAnchors : Set.of(EocsVerifier.MICROSOFT_TIMESTAMP_PCA_2010_SHA256), maxBytes)
                        : EocsVerifier.Trust.microsoft(maxBytes);
                var verified = new EocsVerifier(trust).verify(document);
                out.printf("ACCEPTED  Microsoft EM feed (EOCS %s)%n  signed by %s%n  certificate sha256 %s%n  signed at %s (timestamp), chain valid then%n  configs: %s%n",
                        verified.version(), verified.signerSubject(), verified.signerSha256(), verified.signingTime(),
                        verified.configs().stream().map(c -> c.id() + " " + c.actionTypes()).toList());
            } else {
                if (keys == null || keys.isEmpty()) {
                    throw new IllegalArgumentException("--keys is required for a Tourniquet feed: its trusted public keys, e.g. --keys k1.pub,k2.pub");
                }
                String expected = feedId != null ? feedId : payloadFeedId(document);
                var verified = new SignedFeedVerifier(expected, keys.stream().map(Ed25519Keys::readPublic).toList(), threshold, maxBytes, Clock.systemUTC())
                        .verify(document, Optional.empty());
                out.printf("ACCEPTED  Tourniquet feed %s version %d%n  signed by %s (%d of %d required)%n  valid until %s%n  mitigations: %s%n",
                        expected, verified.version(), verified.signedBy(), verified.signedBy().size(), threshold, verified.catalog().expiresAt(),
                        verified.catalog().definitions().stream().map(d -> d.getId() + " r" + d.getRevision()).toList());
            }
            return Cli.OK;
        } catch (InvalidFeedException e) {
            spec.commandLine().getErr().printf("REJECTED  %s: %s%n", e.reason(), e.getMessage());
            return Cli.FAILED;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true,
            description = "Sign a feed payload (a catalog with feedId, version, issuedAt, expiresAt) with one or more keys.")
    int sign(@Parameters(paramLabel = "PAYLOAD.json") Path payloadFile,
            @Option(names = "--keys", required = true, split = ",", paramLabel = "KEY", description = "key names: KEY.key and KEY.pub, e.g. keys/k1,keys/k2")
            List<String> keyNames,
            @Option(names = "--out", paramLabel = "FILE", description = "where the signed feed goes (default: stdout)") Path outFile) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        byte[] payload = Files.readAllBytes(payloadFile);
        List<KeyPair> keys = keyNames.stream()
                .map(name -> new KeyPair(Ed25519Keys.readPublic(Path.of(name + ".pub")), Ed25519Keys.readPrivate(Path.of(name + ".key")))).toList();
        byte[] signed = SignedFeedCodec.sign(payload, keys);
        if (outFile != null) {
            Files.write(outFile, signed);
            out.println("signed feed written to " + outFile + " with keys " + keys.stream().map(k -> Ed25519Keys.keyId(k.getPublic())).toList());
        } else {
            out.println(new String(signed, StandardCharsets.UTF_8));
        }
        return Cli.OK;
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = "Ask the running ingestor to fetch and verify every configured feed now (reachable? trusted?), as "
                    + "Test-MitigationServiceConnectivity.ps1 does for EM.")
    int test(@Option(names = "--ingestor", paramLabel = "URL", defaultValue = "https://127.0.0.1:8081",
            description = "the feed-ingestor (default: ${DEFAULT-VALUE})") String ingestor) throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        HttpClient http = StackHttp.client();
        String token = SignIn.bearerToken();
        HttpResponse<String> feeds;
        try {
            feeds = http.send(HttpRequest.newBuilder(URI.create(ingestor + "/api/v1/feeds")).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            spec.commandLine().getErr().println("feed-ingestor not reachable at " + ingestor + ": " + e + " (is ./tourniquet up running?)");
            return Cli.UNREACHABLE;
        }
        int failures = 0;
        for (JsonNode feed : JSON.readTree(feeds.body())) {
            String id = feed.path("feedId").asText();
            var response = http.send(HttpRequest.newBuilder(URI.create(ingestor + "/api/v1/feeds/" + id + "/test")).header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode verdict = JSON.readTree(response.body());
            boolean ok = verdict.path("accepted").asBoolean();
            failures += ok ? 0 : 1;
            out.printf("%-4s %-20s %-10s %s%n", ok ? "OK" : "FAIL", id, ok ? "" : verdict.path("reason").asText(), verdict.path("message").asText());
        }
        return failures == 0 ? Cli.OK : Cli.FAILED;
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
