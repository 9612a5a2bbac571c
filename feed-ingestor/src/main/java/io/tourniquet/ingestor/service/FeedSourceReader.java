package io.tourniquet.ingestor.service;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads a feed's documents from where it lives: an http(s) URL, a file, or every file of a folder. */
public final class FeedSourceReader {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    private FeedSourceReader() {
    }

    /** A document and where it came from. */
    public record Document(String origin, byte[] bytes) {
    }

    /**
     * @throws IOException when the source cannot be read (with the reason: HTTP status, TLS, proxy, missing file)
     */
    public static List<Document> read(String location, int maxBytes) throws IOException {
        if (location.startsWith("http://") || location.startsWith("https://")) {
            return List.of(new Document(location, http(location, maxBytes)));
        }
        Path path = Path.of(location);
        if (Files.isDirectory(path)) {
            List<Document> documents = new ArrayList<>();
            try (Stream<Path> files = Files.list(path)) {
                for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList()) {
                    documents.add(new Document(file.toString(), file(file, maxBytes)));
                }
            }
            return documents;
        }
        return List.of(new Document(location, file(path, maxBytes)));
    }

    private static byte[] http(String url, int maxBytes) throws IOException {
        try {
            HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                    .header("User-Agent", "tourniquet-feed-ingestor").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP " + response.statusCode() + " from " + url);
                }
                return limited(body, maxBytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + url, e);
        }
    }

    private static byte[] file(Path file, int maxBytes) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return limited(in, maxBytes);
        }
    }

    /** Reads at most one byte more than the limit, so that an oversized document is rejected, not read whole. */
    private static byte[] limited(InputStream in, int maxBytes) throws IOException {
        return in.readNBytes(maxBytes + 1);
    }
}
