package io.tourniquet.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A clone builds and tests on its own: no source, build file or script reads the reference folder that sits beside
 * the developers' checkout (a user's clone has none), and the test data the tests read is the data whose provenance
 * testdata/exchange/README.md states.
 */
class RepositoryStandsAloneTest {

    private static final Path TESTDATA = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata")).toAbsolutePath().normalize();
    private static final Path ROOT = TESTDATA.getParent();
    /** Spelled in two parts so that this file does not match itself. */
    private static final Pattern OUTSIDE = Pattern.compile("\\.\\./" + "shared\\b|\\bshared/" + "(data|seeds|docs|hooks)\\b");

    @Test
    void nothingTheBuildRunsReadsTheReferenceFolderBesideTheCheckout() throws IOException {
        assertThat(ROOT.resolve("pom.xml")).as("repository root").exists();
        List<Path> files;
        try (Stream<Path> all = Files.walk(ROOT)) {
            files = all.filter(Files::isRegularFile).filter(RepositoryStandsAloneTest::builtOrRun).toList();
        }
        assertThat(files).as("sources found").hasSizeGreaterThan(100);
        assertThat(files).allSatisfy(file -> assertThat(OUTSIDE.matcher(Files.readString(file, StandardCharsets.ISO_8859_1)).find())
                .as("%s refers to a folder outside the repository", ROOT.relativize(file)).isFalse());
    }

    /** Sources, resources, build files and scripts; not what the build wrote, nor Git's own files. */
    private static boolean builtOrRun(Path file) {
        Path relative = ROOT.relativize(file);
        for (Path part : relative) {
            String name = part.toString();
            if (name.equals("target") || name.equals(".git") || name.equals(".tourniquet") || name.equals("bench-results")) {
                return false;
            }
        }
        String name = file.getFileName().toString();
        return relative.toString().contains("src/") || name.equals("pom.xml") || name.endsWith(".sh") || name.equals("tourniquet")
                || relative.startsWith(".ci") || relative.startsWith(".mvn");
    }

    @Test
    void theTestDataIsByteForByteWhatItsReadmeListsWithProvenance() throws Exception {
        String readme = Files.readString(TESTDATA.resolve("exchange/README.md"));
        Matcher line = Pattern.compile("(?m)^([0-9a-f]{64})  (\\S+)$").matcher(readme);
        Map<String, String> listed = new java.util.TreeMap<>();
        while (line.find()) {
            listed.put(line.group(2), line.group(1));
        }
        assertThat(listed).containsKeys("getexchangemitigations-2021-09.xml", "iis/DefaultWebSite_web.config", "iis/DefaultWebSite_web1.config",
                "iis/applicationHost.config");
        for (var entry : listed.entrySet()) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(TESTDATA.resolve("exchange").resolve(entry.getKey())));
            assertThat(HexFormat.of().formatHex(digest)).as(entry.getKey()).isEqualTo(entry.getValue());
        }
        assertThat(TESTDATA.resolve("exchange/LICENSE-CSS-Exchange.txt")).exists();
    }
}
