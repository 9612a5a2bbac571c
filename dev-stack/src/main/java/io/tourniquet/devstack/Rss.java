package io.tourniquet.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of a process, read from /proc on Linux. */
public final class Rss {

    private Rss() {
    }

    /** @return kB, or -1 where /proc is not available */
    public static long ofPid(long pid) {
        return field(pid, "VmRSS:");
    }

    /** Peak resident set size (high-water mark) in kB, or -1. */
    public static long peakOfPid(long pid) {
        return field(pid, "VmHWM:");
    }

    /** User + system CPU time the process has used, in seconds (Linux clock ticks of 1/100 s), or -1. */
    public static double cpuSecondsOfPid(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long field(long pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
