package dev.vigil.jobs.kafka;

import dev.vigil.jobs.DurationConverter;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How far an event's time may be from the processing clock before the event is refused at decode,
 * so that one record from a broken clock cannot move event time for everyone else.
 *
 * <p>An event stamped more than {@code maxFutureSkew} ahead of the clock is a producer whose clock is
 * wrong: it never reaches the watermark or the windows, and goes to the dead letters with the reason.
 * {@code maxEventAge} is the optional lower bound ("nothing older than a week" for a live topic); it is
 * off ({@code null}) unless asked for, because replaying history is legitimate.
 *
 * @param maxFutureSkew how far ahead of the clock an event may be; positive
 * @param maxEventAge   how far behind the clock an event may be, or {@code null} for no limit
 */
public record EventTimeLimits(Duration maxFutureSkew, Duration maxEventAge) implements Serializable {

    /** The default skew: generous for clocks that drift, far below what makes windows meaningless. */
    public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofMinutes(10);

    public static final EventTimeLimits DEFAULTS = new EventTimeLimits(DEFAULT_MAX_FUTURE_SKEW, null);

    public EventTimeLimits {
        Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        if (maxFutureSkew.isNegative() || maxFutureSkew.isZero()) {
            throw new IllegalArgumentException("--max-future-skew must be positive, got " + maxFutureSkew);
        }
        if (maxEventAge != null && (maxEventAge.isNegative() || maxEventAge.isZero())) {
            throw new IllegalArgumentException("--max-event-age must be positive, got " + maxEventAge);
        }
    }

    /**
     * Why an event stamped {@code ts} is refused when the clock reads {@code nowMs}, or {@code null} when
     * it is within the limits: e.g. {@code ts is 973 years in the future (max skew 10m)}.
     */
    public String violation(long ts, long nowMs) {
        long ahead = ts - nowMs; // no overflow: ts >= 0 (the codec refuses negatives) and nowMs is a real clock
        if (ahead > maxFutureSkew.toMillis()) {
            return "ts is " + inWords(ahead) + " in the future (max skew " + DurationConverter.format(maxFutureSkew) + ")";
        }
        if (maxEventAge != null && -ahead > maxEventAge.toMillis()) {
            return "ts is " + inWords(-ahead) + " old (max event age " + DurationConverter.format(maxEventAge) + ")";
        }
        return null;
    }

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    private static final long YEAR = 365 * DAY + 6 * HOUR; // a Julian year: 365.25 days

    /** A positive span in its largest whole unit, rounded down: {@code 973 years}, {@code 1 hour}, {@code 11 minutes}. */
    static String inWords(long ms) {
        long[] sizes = {YEAR, DAY, HOUR, MINUTE, SECOND};
        String[] units = {"year", "day", "hour", "minute", "second"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms >= sizes[i]) {
                long n = ms / sizes[i];
                return n + " " + units[i] + (n == 1 ? "" : "s");
            }
        }
        return ms + " ms";
    }
}
