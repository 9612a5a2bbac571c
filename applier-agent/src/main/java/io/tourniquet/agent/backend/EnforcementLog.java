package io.tourniquet.agent.backend;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tourniquet.schemas.EnforcementCount;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Counts, per mitigation, the requests a backend refused (and those a log-only deployment would have refused) from
 * the log the backend writes them to, in that backend's {@link Format}. Reads only what was appended since the last
 * read; the counts and the position are kept in the state directory, so a restart neither loses nor counts twice. The
 * log may be one file (nginx's error log, rotated under the same name: a new file, or one shorter than the position,
 * is read from its start) or a directory of files named in time order (IIS: one file a day); a file the reader has
 * not finished is read to its end before the next one. Lines appended to a file after it was rotated away are lost.
 */
public final class EnforcementLog {

    /** One counted request: the mitigation whose rule matched, whether it was refused or only logged, and when. */
    public record Hit(String mitigationId, boolean blocked, Instant at) {
    }

    /** How a backend writes its lines. */
    public interface Format {

        /**
         * A directive that says how the lines after it read (W3C's {@code #Fields:}); kept with the position, because
         * it is written once at the top of a file. Empty when the line is not one.
         */
        default Optional<String> layout(String line) {
            return Optional.empty();
        }

        /** The counted request this line records, under the layout last declared in the file ("" before any). */
        Optional<Hit> hit(String line, String layout);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 20;

    /** What is kept between reads: the log file read (its identity and how far) and the counts so far. */
    static final class Kept {
        public String file = "";
        public long position;
        public String layout = "";
        public Map<String, Counts> counts = new TreeMap<>();
    }

    static final class Counts {
        public long blocked;
        public long wouldBlock;
        public long firstSeen = Long.MAX_VALUE;
        public long lastSeen = Long.MIN_VALUE;
    }

    private final Supplier<List<Path>> files;
    private final Path stateFile;
    private final Format format;
    /** Read from the state file on the first call; this reader is its only writer after that. */
    private Kept kept;

    /**
     * @param files     the log's files, oldest first (the last one is being written)
     * @param stateFile where the counts and the position are kept
     * @param format    how the backend writes a counted request
     */
    public EnforcementLog(Supplier<List<Path>> files, Path stateFile, Format format) {
        this.files = files;
        this.stateFile = stateFile;
        this.format = format;
    }

    /** A log that is one file, rotated under its name. */
    public static Supplier<List<Path>> file(Path log) {
        return () -> Files.exists(log) ? List.of(log) : List.of();
    }

    /** A log that is the files of a directory whose names end with the suffix, named so that they sort in time order. */
    public static Supplier<List<Path>> directory(Path dir, String suffix) {
        return () -> {
            try (Stream<Path> list = Files.list(dir)) {
                return list.filter(f -> f.getFileName().toString().endsWith(suffix) && Files.isRegularFile(f)).sorted().toList();
            } catch (IOException e) {
                return List.of();
            }
        };
    }

    /** The counts, after reading what the backend appended since the last call. A log that cannot be read leaves them as they were. */
    public synchronized List<EnforcementCount> counts() {
        if (kept == null) {
            kept = load();
        }
        try {
            if (read(kept)) {
                save(kept);
            }
        } catch (IOException e) {
            System.getLogger(EnforcementLog.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot read the log " + files.get() + " for the enforcement counts: " + e);
        }
        List<EnforcementCount> counts = new ArrayList<>();
        // a mitigation is counted from its first line on, so both times are known
        kept.counts.forEach((mitigation, c) -> counts.add(new EnforcementCount(mitigation, c.blocked, c.wouldBlock,
                Instant.ofEpochMilli(c.firstSeen), Instant.ofEpochMilli(c.lastSeen))));
        return counts;
    }

    /**
     * Reads what was appended since the position kept: the rest of the file being read, then every later file from its
     * start. Returns whether the position (or the file) changed.
     */
    private boolean read(Kept kept) throws IOException {
        List<Path> logs = files.get();
        if (logs.isEmpty()) {
            return false;
        }
        String fileBefore = kept.file;
        long positionBefore = kept.position;
        int from = logs.size() - 1; // a file never met before: only the newest is read (older ones predate the reader)
        for (int i = 0; i < logs.size(); i++) {
            if (identity(logs.get(i)).equals(kept.file)) {
                from = i;
            }
        }
        for (int i = from; i < logs.size(); i++) {
            Path log = logs.get(i);
            String file = identity(log);
            try (RandomAccessFile content = new RandomAccessFile(log.toFile(), "r")) {
                if (!file.equals(kept.file) || content.length() < kept.position) {
                    kept.file = file;
                    kept.position = 0;
                    kept.layout = "";
                }
                if (content.length() > kept.position) {
                    readLines(content, kept);
                }
            }
        }
        return !kept.file.equals(fileBefore) || kept.position != positionBefore;
    }

    private static String identity(Path log) throws IOException {
        Object key = Files.readAttributes(log, BasicFileAttributes.class).fileKey();
        return key == null ? log.toAbsolutePath().toString() : key.toString();
    }

    /** From the position kept on, in chunks, so that a large log read for the first time does not need its size in memory. */
    private void readLines(RandomAccessFile log, Kept kept) throws IOException {
        log.seek(kept.position);
        byte[] chunk = new byte[CHUNK];
        int carried = 0;
        for (int read; (read = log.read(chunk, carried, chunk.length - carried)) > 0; ) {
            int filled = carried + read;
            int end = lastNewline(chunk, filled);
            if (end == 0 && filled == chunk.length) {
                end = filled; // a line longer than a chunk is not one of ours: skip it
            } else {
                for (String line : new String(chunk, 0, end, StandardCharsets.UTF_8).split("\n")) {
                    count(kept, line);
                }
            }
            kept.position += end;
            carried = filled - end;
            System.arraycopy(chunk, end, chunk, 0, carried);
        }
    }

    /** Only whole lines are read: nginx may be writing the last one. */
    private static int lastNewline(byte[] bytes, int length) {
        for (int i = length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    private void count(Kept kept, String line) {
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        Optional<String> layout = format.layout(text);
        if (layout.isPresent()) {
            kept.layout = layout.get();
            return;
        }
        format.hit(text, kept.layout).ifPresent(hit -> {
            Counts c = kept.counts.computeIfAbsent(hit.mitigationId(), id -> new Counts());
            if (hit.blocked()) {
                c.blocked++;
            } else {
                c.wouldBlock++;
            }
            long at = hit.at().toEpochMilli();
            c.firstSeen = Math.min(c.firstSeen, at);
            c.lastSeen = Math.max(c.lastSeen, at);
        });
    }

    private Kept load() {
        try {
            return Files.exists(stateFile) ? JSON.readValue(stateFile.toFile(), Kept.class) : new Kept();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the enforcement counts in " + stateFile, e);
        }
    }

    private void save(Kept kept) throws IOException {
        Path temp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
        Files.write(temp, JSON.writeValueAsBytes(kept));
        Files.move(temp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
