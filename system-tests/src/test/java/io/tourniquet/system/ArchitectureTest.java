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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /**
     * Main code names a class by its simple name and imports it; a fully qualified name inline is allowed only where
     * two classes of one simple name meet in a file (e.g. org.postgresql.Driver beside java.sql.Driver).
     */
    @Test
    void noInlineFullyQualifiedNamesInMainCode() throws IOException {
        Pattern qualified = Pattern.compile("(?<![\\w.])((?:java|javax|jakarta|io|org|com)\\.(?:[a-z_][a-z0-9_]*\\.)+)([A-Z]\\w*)");
        Pattern imported = Pattern.compile("(?m)^import (?:static )?[\\w.]+\\.(\\w+);");
        List<String> found = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> all = Files.walk(ROOT)) {
            sources = all.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/")).toList();
        }
        assertThat(sources).hasSizeGreaterThan(100);
        for (Path source : sources) {
            String code = codeOnly(Files.readString(source));
            Map<String, Set<String>> bySimpleName = new HashMap<>();
            Matcher im = imported.matcher(code);
            while (im.find()) {
                bySimpleName.computeIfAbsent(im.group(1), k -> new HashSet<>()).add("import");
            }
            List<String[]> inline = new ArrayList<>();
            for (String line : code.lines().filter(l -> !l.strip().startsWith("import ") && !l.strip().startsWith("package ")).toList()) {
                Matcher m = qualified.matcher(line);
                while (m.find()) {
                    bySimpleName.computeIfAbsent(m.group(2), k -> new HashSet<>()).add(m.group(1));
                    inline.add(new String[] {m.group(1), m.group(2)});
                }
            }
            for (String[] name : inline) {
                if (bySimpleName.get(name[1]).size() < 2) {
                    found.add(ROOT.relativize(source) + ": " + name[0] + name[1]);
                }
            }
        }
        assertThat(found).as("inline fully qualified names; import the class instead").isEmpty();
    }

    /** The source without comments, string and character literals (text blocks included). */
    private static String codeOnly(String source) {
        return source.replaceAll("(?s)\"\"\".*?\"\"\"", "\"\"")
                .replaceAll("\"(?:\\\\.|[^\"\\\\\n])*\"", "\"\"")
                .replaceAll("'(?:\\\\.|[^'\\\\])'", "' '")
                .replaceAll("(?s)/\\*.*?\\*/", " ")
                .replaceAll("//[^\n]*", " ");
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
