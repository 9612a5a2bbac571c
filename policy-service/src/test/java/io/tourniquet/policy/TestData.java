package io.tourniquet.policy;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.BuildRange;
import io.tourniquet.schemas.FeedEvidence;
import io.tourniquet.schemas.FeedKind;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.MitigationPublished;
import io.tourniquet.schemas.RequestCondition;
import io.tourniquet.schemas.ServerInventory;
import io.tourniquet.schemas.crypto.DefinitionSignatures;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import io.tourniquet.schemas.crypto.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/** Messages as the feed-ingestor and the agents send them. */
public final class TestData {

    /** A publisher key of these tests: the policy service carries its signatures, it never checks or makes them. */
    public static final SigningKey PUBLISHER = new SigningKey(Ed25519Keys.generate());


    /** Properties for a TopologyTestDriver of the policy topology, its state in a new temporary directory. */
    public static Properties driverProperties() throws IOException {
        Properties props = new Properties();
        props.put(org.apache.kafka.streams.StreamsConfig.APPLICATION_ID_CONFIG, "policy-ttd");
        props.put(org.apache.kafka.streams.StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(Files.createDirectories(Path.of("target")), "policy-ttd").toString());
        return props;
    }

    private TestData() {
    }

    /** M1.1 as Microsoft shipped it: affected up to the November 2022 SU. */
    public static MitigationPublished m11() {
        MitigationDefinition definition = MitigationDefinition.newBuilder()
                .setId("M1.1").setRevision(1).setTitle("ProxyNotShell").setProduct("Exchange")
                .setCves(List.of("CVE-2022-41040"))
                .setApplicableBuilds(List.of(new BuildRange("15.2.0.0", "15.2.986.36"), new BuildRange("15.2.1118.0", "15.2.1118.20")))
                .setFixedBy(List.of("KB5019758"))
                .setActions(List.of(BlockRequests.newBuilder()
                        .setRuleName("EEMS M1.1 PowerShell - inbound")
                        .setResponse(BlockResponse.ABORT_REQUEST)
                        .setConditions(List.of(new RequestCondition("{UrlDecode:{REQUEST_URI}}", "(?=.*autodiscover)(?=.*powershell)", true, false)))
                        .build()))
                .build();
        return MitigationPublished.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setDefinition(definition)
                .setDefinitionDigest(Digests.of(definition))
                .setPublisherSignature(DefinitionSignatures.sign(PUBLISHER, Digests.of(definition)))
                .setEvidence(FeedEvidence.newBuilder().setFeedId("tourniquet-bundled").setFeedKind(FeedKind.BUNDLED_CATALOG)
                        .setFeedVersion("1").setVerifiedBy(List.of("test")).setVerifiedAt(Instant.now()).build())
                .setPublishedAt(Instant.now())
                .build();
    }

    public static ServerInventory server(String tenant, String server, String build, List<String> updates) {
        return ServerInventory.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setTenantId(tenant).setServerId(server)
                .setProduct("Exchange").setBuild(build).setInstalledUpdates(updates)
                .setBackend("simulated").setAgentVersion("test")
                .setReportedAt(Instant.now())
                .build();
    }
}
