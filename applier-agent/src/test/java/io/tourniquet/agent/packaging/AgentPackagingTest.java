package io.tourniquet.agent.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.tourniquet.agent.config.AgentConfig;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The agent as installed on a customer server: its one configuration file is one the agent accepts (every key known,
 * on Linux and on Windows), the systemd unit passes systemd's own check, and install.sh installs, upgrades and
 * uninstalls into a root of its own. Windows itself cannot run here: its service definition is checked for shape.
 */
class AgentPackagingTest {

    private static final Path PACKAGING = Path.of("packaging");

    @TempDir
    Path root;

    @Test
    void theConfigurationFileIsOneTheAgentAcceptsOnLinuxAndOnWindows() throws IOException {
        String file = Files.readString(PACKAGING.resolve("agent.properties"));

        AgentConfig linux = agentConfig(file);
        assertThat(linux.tenant()).isEqualTo("contoso");
        assertThat(linux.backend()).isEqualTo("nginx");
        assertThat(linux.stateDir()).isEqualTo(Path.of("/var/lib/tourniquet-agent/state"));
        assertThat(linux.nginx().includeDir()).isEqualTo(Path.of("/etc/nginx/tourniquet"));

        // the optional nginx and health-probe lines, commented out in the file, are settings the agent knows
        AgentConfig probed = agentConfig(file + "\n" + file.lines().filter(l -> l.matches("#tourniquet\\.agent\\.(nginx|health)\\..*=.*"))
                .map(l -> l.substring(1)).collect(Collectors.joining("\n")));
        assertThat(probed.health().probes()).containsOnlyKeys("owa", "ecp", "autodiscover", "ews", "activesync");
        assertThat(probed.nginx().exchangeUrl()).contains(URI.create("https://127.0.0.1/owa/"));
        assertThat(probed.nginx().errorLog()).isEqualTo(Path.of("/var/log/nginx/error.log"));

        // the Windows lines, commented out in the file, replace their Linux counterparts
        String windows = file + "\n" + file.lines().filter(l -> l.matches("#(tourniquet\\.agent|kafka)\\..*=.*") && l.contains("C:\\\\"))
                .map(l -> l.substring(1)).collect(Collectors.joining("\n")) + "\ntourniquet.agent.backend=iis\n";
        AgentConfig iis = agentConfig(windows);
        assertThat(iis.backend()).isEqualTo("iis");
        assertThat(iis.iis().siteConfigs()).containsEntry("Default Web Site", Path.of("C:\\inetpub\\wwwroot\\web.config"));

        // every Kafka setting, the mutual TLS alternative included, is one Kafka's clients know
        List<String> kafkaKeys = file.lines().map(l -> l.replaceFirst("^#", "")).filter(l -> l.startsWith("kafka.") && l.contains("="))
                .map(l -> l.substring("kafka.".length(), l.indexOf('='))).distinct().toList();
        assertThat(kafkaKeys).contains("bootstrap.servers", "security.protocol", "sasl.jaas.config", "ssl.keystore.location")
                .allSatisfy(key -> assertThat(ConsumerConfig.configNames().contains(key) && ProducerConfig.configNames().contains(key)).as(key).isTrue());
    }

    @Test
    void theSystemdUnitPassesSystemdsCheckAndRunsWhatInstallShPutsInPlace() throws Exception {
        Path unit = PACKAGING.resolve("linux/tourniquet-agent.service");
        Process verify = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(verify.exitValue()).as(output).isZero();
        assertThat(output).as("systemd-analyze verify: no unknown key, no bad value").isBlank();

        String service = Files.readString(unit);
        assertThat(service).contains("ExecStart=/usr/bin/java ", " -jar /opt/tourniquet-agent/agent/quarkus-run.jar\n")
                .contains("Environment=QUARKUS_CONFIG_LOCATIONS=/etc/tourniquet-agent/agent.properties\n")
                .contains("User=tourniquet-agent\n", "NoNewPrivileges=yes\n", "ProtectSystem=strict\n", "StateDirectory=tourniquet-agent\n")
                // it may write nginx's include directory, which the configuration names, and nothing else outside its state
                .contains("ReadWritePaths=/etc/nginx/tourniquet ");
        assertThat(service).doesNotContain("CAP_SYS_ADMIN").doesNotContain("User=root");
    }

    @Test
    void installUpgradeAndUninstallIntoARootOfItsOwn() throws Exception {
        Path dist = distribution("1");
        Path keys = Files.createDirectories(root.resolve("given/keys"));
        Files.writeString(keys.resolve("policy-signing.pub"), "policy key");
        Files.writeString(keys.resolve("feed-publisher.pub"), "publisher key");
        Path ca = Files.writeString(root.resolve("given/ca.crt"), "cluster CA");
        Path config = PACKAGING.resolve("agent.properties").toAbsolutePath();
        Path target = Files.createDirectories(root.resolve("server"));

        assertThat(install(target, "install", "--from", dist.toString(), "--config", config.toString(), "--keys", keys.toString(),
                "--kafka-ca", ca.toString()).exitCode).isZero();

        assertThat(mode(target.resolve("etc/tourniquet-agent/agent.properties"))).as("it holds a Kafka credential").isEqualTo("rw-r-----");
        assertThat(mode(target.resolve("etc/tourniquet-agent"))).isEqualTo("rwxr-x---");
        assertThat(mode(target.resolve("var/lib/tourniquet-agent/state"))).as("the server's own key goes here").isEqualTo("rwx------");
        assertThat(target.resolve("etc/tourniquet-agent/keys/policy-signing.pub")).hasContent("policy key");
        assertThat(target.resolve("etc/tourniquet-agent/kafka-ca.crt")).hasContent("cluster CA");
        assertThat(target.resolve("opt/tourniquet-agent/agent/quarkus-run.jar")).hasContent("agent 1");
        assertThat(target.resolve("etc/systemd/system/tourniquet-agent.service")).hasSameTextualContentAs(PACKAGING.resolve("linux/tourniquet-agent.service"));
        assertThat(target.resolve("etc/nginx/tourniquet")).isDirectory();

        Result again = install(target, "install", "--from", dist.toString(), "--config", config.toString(), "--keys", keys.toString(),
                "--kafka-ca", ca.toString());
        assertThat(again.exitCode).isEqualTo(2);
        assertThat(again.output).contains("is installed");

        Files.writeString(target.resolve("var/lib/tourniquet-agent/state/applied.json"), "what was applied");
        assertThat(install(target, "upgrade", "--from", distribution("2").toString()).exitCode).isZero();
        assertThat(target.resolve("opt/tourniquet-agent/agent/quarkus-run.jar")).hasContent("agent 2");
        assertThat(target.resolve("var/lib/tourniquet-agent/state/applied.json")).as("state survives an upgrade").hasContent("what was applied");
        assertThat(target.resolve("etc/tourniquet-agent/agent.properties")).hasSameTextualContentAs(config);

        Files.writeString(target.resolve("etc/nginx/tourniquet/tourniquet-http.conf"), "in force");
        Result removed = install(target, "uninstall");
        assertThat(removed.exitCode).isZero();
        assertThat(removed.output).contains("keeps protecting the server");
        assertThat(target.resolve("opt/tourniquet-agent")).doesNotExist();
        assertThat(target.resolve("etc/systemd/system/tourniquet-agent.service")).doesNotExist();
        assertThat(target.resolve("etc/nginx/tourniquet/tourniquet-http.conf")).as("a mitigation stays in force").exists();
        assertThat(target.resolve("etc/tourniquet-agent/agent.properties")).exists();

        assertThat(install(target, "uninstall", "--purge").exitCode).isZero();
        assertThat(target.resolve("etc/tourniquet-agent")).doesNotExist();
        assertThat(target.resolve("var/lib/tourniquet-agent")).doesNotExist();
        assertThat(target.resolve("etc/nginx/tourniquet/tourniquet-http.conf")).doesNotExist();
    }

    @Test
    void theWindowsServiceRunsTheAgentWithTheSameOneFileAndRestartsIt() throws Exception {
        Document service = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(PACKAGING.resolve("windows/tourniquet-agent.xml").toFile());
        assertThat(text(service, "id")).isEqualTo("tourniquet-agent");
        assertThat(text(service, "arguments")).endsWith("-jar \"%BASE%\\agent\\quarkus-run.jar\"");
        // the JVM settings the footprint was measured with, the same on both systems
        String linuxUnit = Files.readString(PACKAGING.resolve("linux/tourniquet-agent.service"));
        String linuxJvm = linuxUnit.substring(linuxUnit.indexOf("ExecStart=/usr/bin/java ") + "ExecStart=/usr/bin/java ".length(), linuxUnit.indexOf(" -jar "));
        assertThat(text(service, "arguments")).startsWith(linuxJvm + " -jar ");
        assertThat(linuxJvm.split(" ")).contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:MaxHeapFreeRatio=20", "-XX:+ExitOnOutOfMemoryError");
        var env = service.getElementsByTagName("env");
        assertThat(env.getLength()).isEqualTo(1);
        assertThat(env.item(0).getAttributes().getNamedItem("name").getNodeValue()).isEqualTo("QUARKUS_CONFIG_LOCATIONS");
        assertThat(env.item(0).getAttributes().getNamedItem("value").getNodeValue()).isEqualTo("%ProgramData%\\Tourniquet\\agent.properties");
        assertThat(service.getElementsByTagName("onfailure").item(0).getAttributes().getNamedItem("action").getNodeValue()).isEqualTo("restart");

        String script = Files.readString(PACKAGING.resolve("windows/install.ps1"));
        assertThat(script).contains("$Data = Join-Path $env:ProgramData 'Tourniquet'", "(Join-Path $Data 'agent.properties')", "'agent\\quarkus-run.jar'")
                .contains("icacls $Path /inheritance:r");
    }

    private static AgentConfig agentConfig(String properties) throws IOException {
        Properties loaded = new Properties();
        loaded.load(new StringReader(properties));
        Map<String, String> values = new HashMap<>();
        loaded.stringPropertyNames().forEach(k -> values.put(k, loaded.getProperty(k)));
        SmallRyeConfig config = new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(values, "agent.properties", 500))
                .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus' "5m", as the agent reads it
                .withMapping(AgentConfig.class).withValidateUnknown(true).build();
        return config.getConfigMapping(AgentConfig.class);
    }

    private Path distribution(String version) throws IOException {
        Path dist = root.resolve("dist-" + version);
        Files.createDirectories(dist.resolve("agent/lib"));
        Files.createDirectories(dist.resolve("cli/lib"));
        Files.writeString(dist.resolve("agent/quarkus-run.jar"), "agent " + version);
        Files.writeString(dist.resolve("cli/cli.jar"), "cli " + version);
        return dist;
    }

    private record Result(int exitCode, String output) {
    }

    private static Result install(Path target, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", PACKAGING.resolve("linux/install.sh").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--root", target.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static String text(Document document, String tag) {
        return document.getElementsByTagName(tag).item(0).getTextContent().trim();
    }
}
