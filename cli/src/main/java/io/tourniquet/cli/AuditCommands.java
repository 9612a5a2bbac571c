package io.tourniquet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.audit.ChainHeads;
import io.tourniquet.schemas.crypto.TrustedKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The audit trail's tamper evidence, checked from outside the audit database. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Check the audit trail against what left it earlier.")
final class AuditCommands {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Command(name = "verify-head", mixinStandardHelpOptions = true,
            description = "Check a tenant's chain against a head published earlier (the data of a chain.head-signed event kept by the SOC or the "
                    + "customer): its signature with the pinned audit key, here; then, by the audit service, that the database's first events still "
                    + "hash to it. Exit 0 only when both hold.")
    int verifyHead(@Option(names = "--tenant", required = true, paramLabel = "TENANT") String tenant,
            @Parameters(paramLabel = "HEAD", description = "the published head (JSON: events, head, signedAt, keyId, signature), or the "
                    + "chain.head-signed CloudEvent that carried it") Path headFile,
            @Option(names = "--public-key", paramLabel = "FILE", description = "the audit public key you pinned (PEM); without it only the service's "
                    + "own check of the signature is reported") Path publicKey,
            @Option(names = "--audit", paramLabel = "URL", defaultValue = "https://127.0.0.1:8084", description = "the audit service (default: ${DEFAULT-VALUE})")
            String audit) throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        JsonNode document = JSON.readTree(Files.readString(headFile));
        // the head itself, or the chain.head-signed CloudEvent (structured JSON, as the live stream sends it) that carries it
        JsonNode head = document.has("data") ? document.path("data").path("unmapped").path("chain_head") : document;
        if (!head.isObject()) {
            err.println(headFile + " holds no signed head (neither the head's JSON nor a chain.head-signed CloudEvent)");
            return Cli.FAILED;
        }
        String body = JSON.writeValueAsString(head);
        if (publicKey != null) {
            TrustedKeys.Verdict verdict = ChainHeads.verify(TrustedKeys.read(List.of(publicKey)), tenant, head.path("events").asLong(),
                    head.path("head").asText(), head.path("signedAt").asText(), head.path("keyId").asText(), head.path("signature").asText());
            if (verdict != TrustedKeys.Verdict.VALID) {
                err.printf("the head's signature is not the pinned audit key's (%s): it was not published by the audit service you trust%n", verdict);
                return Cli.FAILED;
            }
            out.printf("signature: valid (pinned key %s)%n", head.path("keyId").asText());
        }
        var answer = new ApiClient(spec, audit, SignIn.bearerToken()).exchange("POST", "/api/v1/tenants/" + ApiClient.encode(tenant) + "/chain/verification",
                body);
        if (answer.exitStatus() != Cli.OK) {
            return answer.exitStatus();
        }
        return JSON.readTree(answer.body()).path("trusted").asBoolean(false) ? Cli.OK : Cli.FAILED;
    }
}
