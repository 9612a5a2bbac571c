package io.tourniquet.agent.backend.nginx;

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
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts, per mitigation, the requests nginx refused (and those a log-only deployment would have refused) from the
 * lines the njs program writes to nginx's error log. Reads only what was appended since the last read; the counts
 * and the position are kept in the state directory, so a restart neither loses nor counts twice. A rotated log (a new
 * file, or one shorter than the position) is read from its start; lines left unread in the rotated file are lost.
 */
public final class EnforcementLog {

    /**
     * The njs program's line (tourniquet.js, record()): keep the two in step. Anchored on nginx's own prefix (time,
     * level, pid#tid, *connection, "js:"), so that a request line quoted at the end of another error (a client can
     * put any text in its URL) is never counted.
     */
    private static final Pattern LINE = Pattern.compile(
            "^(\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}) \\[error\\] \\d+#\\d+: \\*\\d+ js: tourniquet enforcement: (blocked|would-block) mitigation=\"([^\"]+)\"");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 20;

    /** What is kept between reads: the log file read (its identity and how far) and the counts so far. */
    static final class Kept {
        public String file = "";
        public long position;
        public Map<String, Counts> counts = new TreeMap<>();
    }

    static final class Counts {
        public long blocked;
        public long wouldBlock;
        public long firstSeen = Long.MAX_VALUE;
        public long lastSeen = Long.MIN_VALUE;
    }

    private final Path errorLog;
    private final Path stateFile;
    private final ZoneId nginxZone;
    /** Read from the state file on the first call; this reader is its only writer after that. */
    private Kept kept;

    /**
     * @param errorLog  nginx's error log (error_log of the Exchange server block, at level error or finer)
     * @param stateFile where the counts and the position are kept
     * @param nginxZone the time zone nginx writes its log times in (the server's)
     */
    public EnforcementLog(Path errorLog, Path stateFile, ZoneId nginxZone) {
        this.errorLog = errorLog;
        this.stateFile = stateFile;
        this.nginxZone = nginxZone;
    }

    /** The counts, after reading what nginx appended since the last call. A log that cannot be read leaves them as they were. */
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
                    "cannot read nginx's error log " + errorLog + " for the enforcement counts: " + e);
        }
        List<EnforcementCount> counts = new ArrayList<>();
        // a mitigation is counted from its first line on, so both times are known
        kept.counts.forEach((mitigation, c) -> counts.add(new EnforcementCount(mitigation, c.blocked, c.wouldBlock,
                Instant.ofEpochMilli(c.firstSeen), Instant.ofEpochMilli(c.lastSeen))));
        return counts;
    }

    /** Reads what was appended since the position kept; returns whether the position (or the file) changed. */
    private boolean read(Kept kept) throws IOException {
        if (!Files.exists(errorLog)) {
            return false;
        }
        Object key = Files.readAttributes(errorLog, BasicFileAttributes.class).fileKey();
        String file = key == null ? errorLog.toString() : key.toString();
        try (RandomAccessFile log = new RandomAccessFile(errorLog.toFile(), "r")) {
            boolean rotated = !file.equals(kept.file) || log.length() < kept.position;
            if (rotated) {
                kept.file = file;
                kept.position = 0;
            }
            long start = kept.position;
            if (log.length() > start) {
                readLines(log, kept);
            }
            return rotated || kept.position != start;
        }
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
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return;
        }
        long at;
        try {
            at = LocalDateTime.parse(m.group(1), TIME).atZone(nginxZone).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return;
        }
        Counts c = kept.counts.computeIfAbsent(m.group(3), id -> new Counts());
        if ("blocked".equals(m.group(2))) {
            c.blocked++;
        } else {
            c.wouldBlock++;
        }
        c.firstSeen = Math.min(c.firstSeen, at);
        c.lastSeen = Math.max(c.lastSeen, at);
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
