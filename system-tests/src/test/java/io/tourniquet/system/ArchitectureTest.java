package io.tourniquet.system;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rules of the code's shape, over the compiled main classes of every module (each module's target/classes). */
class ArchitectureTest {

    private static final Path ROOT = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata")).toAbsolutePath().normalize().getParent();
    /** The four services: each is deployed alone and talks to the others only through Kafka. */
    private static final List<String> SERVICES = List.of("io.tourniquet.ingestor..", "io.tourniquet.policy..", "io.tourniquet.agent..",
            "io.tourniquet.audit..");
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() throws IOException {
        List<Path> dirs;
        try (Stream<Path> modules = Files.list(ROOT)) {
            dirs = modules.map(m -> m.resolve("target/classes")).filter(Files::isDirectory).toList();
        }
        assertThat(dirs).as("modules built").hasSizeGreaterThanOrEqualTo(10);
        classes = new ClassFileImporter().importPaths(dirs);
        assertThat(classes.stream().filter(c -> c.getPackageName().startsWith("io.tourniquet."))).hasSizeGreaterThan(200);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.tourniquet.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void noServiceDependsOnAnother() {
        for (String service : SERVICES) {
            noClasses().that().resideInAPackage(service)
                    .should().dependOnClassesThat().resideInAnyPackage(SERVICES.stream().filter(s -> !s.equals(service)).toArray(String[]::new))
                    .check(classes);
        }
    }

    /** So that every client gets the shared connection and security settings (README: Kafka connection and security). */
    @Test
    void rawKafkaClientsAreMadeOnlyByKafkaClientsOrFromKafkaStreamsOwnConfiguration() {
        noClasses().that().doNotHaveFullyQualifiedName("io.tourniquet.schemas.kafka.KafkaClients")
                // Kafka Streams' client supplier: it builds Streams' clients from the configuration Streams hands it
                .and().doNotHaveFullyQualifiedName("io.tourniquet.policy.streams.CommandTopicMetadataWarmer")
                .should().callConstructorWhere(describe("a KafkaConsumer or KafkaProducer constructor", (JavaConstructorCall call) ->
                        call.getTargetOwner().isAssignableTo(KafkaConsumer.class) || call.getTargetOwner().isAssignableTo(KafkaProducer.class)))
                .orShould().callMethodWhere(describe("Admin.create", (JavaMethodCall call) ->
                        call.getTargetOwner().isAssignableTo(Admin.class) && call.getName().equals("create")))
                .check(classes);
    }
}
