package io.tourniquet.policy.domain;

import io.tourniquet.schemas.MaintenanceWindow;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;

/** Whether changes are allowed now. A window whose end is before its start runs past midnight into the next day. */
public final class MaintenanceWindows {

    private MaintenanceWindows() {
    }

    public static boolean open(List<MaintenanceWindow> windows, Instant now) {
        return windows.isEmpty() || windows.stream().anyMatch(w -> open(w, now));
    }

    static boolean open(MaintenanceWindow window, Instant now) {
        ZonedDateTime local = now.atZone(ZoneId.of(window.getTimeZone()));
        LocalTime time = local.toLocalTime();
        LocalTime start = LocalTime.parse(window.getStart());
        LocalTime end = LocalTime.parse(window.getEnd());
        if (!start.isAfter(end)) {
            return !time.isBefore(start) && time.isBefore(end) && onDay(window, local.getDayOfWeek());
        }
        // past midnight: the evening part belongs to today, the morning part to the day before
        return (!time.isBefore(start) && onDay(window, local.getDayOfWeek()))
                || (time.isBefore(end) && onDay(window, local.getDayOfWeek().minus(1)));
    }

    private static boolean onDay(MaintenanceWindow window, DayOfWeek day) {
        return window.getDays().isEmpty() || window.getDays().stream().anyMatch(d -> d.toUpperCase(Locale.ROOT).equals(day.name()));
    }

    /** Checks a window as an admin wrote it; IllegalArgumentException with what is wrong. */
    public static void validate(MaintenanceWindow window) {
        try {
            ZoneId.of(window.getTimeZone());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown time zone '" + window.getTimeZone() + "' (use an IANA name such as Europe/Berlin)");
        }
        for (String time : List.of(window.getStart(), window.getEnd())) {
            try {
                LocalTime.parse(time);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("invalid time '" + time + "' in a maintenance window (use HH:mm)");
            }
        }
        if (window.getStart().equals(window.getEnd())) {
            throw new IllegalArgumentException("a maintenance window cannot start and end at the same time (" + window.getStart() + ")");
        }
        for (String day : window.getDays()) {
            try {
                DayOfWeek.valueOf(day.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid day '" + day + "' (MONDAY..SUNDAY)");
            }
        }
    }
}
