package dev.vigil.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written as users write them, on the command line and in rules files: {@code 500ms},
 * {@code 10s}, {@code 5m}, {@code 1h}, {@code 30d}.
 */
public final class Durations {
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

    private Durations() {
    }

    /** @throws IllegalArgumentException saying how to write one */
    public static Duration parse(String value) {
        Matcher m = FORMAT.matcher(value == null ? "" : value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a duration; write it like 500ms, 10s, 5m, 1h or 1d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** The shortest way to write {@code d} in the same notation: {@code 10s}, {@code 5m}, {@code 1500ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms != 0 && ms % sizes[i] == 0) {
                return ms / sizes[i] + units[i];
            }
        }
        return ms + "ms";
    }
}
