package io.tourniquet.system.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The images' Dockerfiles, read as text: no container engine runs here to build them (a CI with one builds them with
 * the command in each file's header). What the manifests rely on is checked: a pinned base image, a user that is not
 * root, the packaged application, the port the manifests probe.
 */
class ImagesTest {

    private static final Path HOME = Path.of(System.getProperty("tourniquet.home", ".."));

    @Test
    void everyServiceHasAJvmImageThatRunsAsANonRootUserOnPort8080() throws IOException {
        for (String service : List.of("feed-ingestor", "policy-service", "audit-service", "console")) {
            Path dockerfile = HOME.resolve(service).resolve("src/main/docker/Dockerfile.jvm");
            assertThat(dockerfile).exists();
            List<String> lines = Files.readAllLines(dockerfile);
            assertThat(lines).as(service).anySatisfy(l -> assertThat(l).matches("FROM \\S+:\\d[\\w.-]*"))
                    .noneSatisfy(l -> assertThat(l).startsWith("FROM").endsWith(":latest"))
                    .contains("EXPOSE 8080", "COPY target/quarkus-app/lib/ /deployments/lib/")
                    .anySatisfy(l -> assertThat(l).matches("USER [1-9]\\d*"))
                    .anySatisfy(l -> assertThat(l).contains("-t tourniquet/" + service + ":"));
            assertThat(Files.readString(HOME.resolve("k8s/base/services").resolve(service + ".yaml")))
                    .as("the manifests run the image the Dockerfile builds").contains("image: tourniquet/" + service + ":0.1.0");
        }
    }
}
