package io.tourniquet.ingestor.service;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** The test feeds' folder and KEV file do not exist when the ingestor starts, as on a fresh machine. */
public class FreshFeedFolders implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        for (String dir : new String[] {"target/test-feed-drop", "target/test-kev"}) {
            Path path = Path.of(dir);
            if (Files.exists(path)) {
                try (Stream<Path> files = Files.walk(path)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return Map.of();
    }

    @Override
    public void stop() {
    }
}
