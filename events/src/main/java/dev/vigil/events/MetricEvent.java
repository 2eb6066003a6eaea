package dev.vigil.events;

/**
 * One event as an agent reports it: a request served, a query run, a cache access or a scrape.
 *
 * <p>The record is flat rather than one class per type so that the hot paths (decode, aggregate) move
 * one shape of object. Fields that a type does not use, or that were absent on the wire, hold the
 * sentinels {@link #NO_DURATION}, {@link #NO_STATUS} and {@link #NO_COUNT} (or {@code null}).
 *
 * <p>The constructor enforces the value rules of the v1 format, so an instance is always valid; the
 * codec adds the rules that only make sense on the wire (JSON types, missing fields). The limits are
 * constants here, and the agent and the codec use these, not their own copies.
 *
 * <p>Durations are nanoseconds, as the agent measures them and the histograms count them. Milliseconds
 * exist only at the edges: {@code duration_ms} on the wire ({@link #nanosFromWireMillis},
 * {@link #durationMs()}) and the {@code _ms} columns.
 *
 * @param type       what happened
 * @param ts         event time, epoch milliseconds
 * @param service    the service that reports it, 1–128 characters
 * @param name       route template, query fingerprint, cache name or scraped platform, 1–256 characters
 * @param instance   the reporting instance, or {@code null}
 * @param durationNanos latency in nanoseconds, or {@link #NO_DURATION}
 * @param error      whether it failed
 * @param status     HTTP status of a request (100–599), else {@link #NO_STATUS}
 * @param method     HTTP method of a request, or {@code null}
 * @param rows       rows a query returned, or {@link #NO_COUNT}
 * @param hit        whether a cache access hit; {@code false} for other types
 * @param level      the cache level that answered, or {@code null}
 * @param items      items a scrape returned, or {@link #NO_COUNT}
 */
public record MetricEvent(
        EventType type,
        long ts,
        String service,
        String name,
        String instance,
        long durationNanos,
        boolean error,
        int status,
        String method,
        long rows,
        boolean hit,
        CacheLevel level,
        long items) {

    public static final int MAX_SERVICE_LENGTH = 128;
    public static final int MAX_NAME_LENGTH = 256;
    public static final int MIN_STATUS = 100;
    public static final int MAX_STATUS = 599;

    /** Marks an absent duration. */
    public static final long NO_DURATION = -1;
    private static final double NANOS_PER_MILLI = 1_000_000.0;
    /**
     * The longest duration v1 accepts, 24 hours: far beyond any request, query or scrape, and small
     * enough that a window's exact sum of durations cannot be pushed past 64 bits by a few absurd values.
     */
    public static final long MAX_DURATION_MS = 86_400_000L;
    public static final long MAX_DURATION_NANOS = MAX_DURATION_MS * 1_000_000L;
    /** Marks an absent {@code status} (any non-request event). */
    public static final int NO_STATUS = 0;
    /** Marks an absent {@code rows} or {@code items}. */
    public static final long NO_COUNT = Long.MIN_VALUE;

    public MetricEvent {
        if (type == null) {
            throw new InvalidEventException("missing field \"type\"");
        }
        if (ts < 0) {
            throw new InvalidEventException("ts must be >= 0, got " + ts);
        }
        checkLength("service", service, MAX_SERVICE_LENGTH);
        checkLength("name", name, MAX_NAME_LENGTH);
        if (durationNanos == NO_DURATION) {
            if (type.requiresDuration()) {
                throw new InvalidEventException("missing field \"duration_ms\"");
            }
        } else if (durationNanos < 0) {
            throw new InvalidEventException("duration_ms must be >= 0, got " + durationNanos / NANOS_PER_MILLI);
        } else if (durationNanos > MAX_DURATION_NANOS) {
            throw tooLong(durationNanos / NANOS_PER_MILLI);
        }
        if (type == EventType.REQUEST) {
            if (status == NO_STATUS) {
                throw new InvalidEventException("missing field \"status\"");
            }
            if (!isValidStatus(status)) {
                throw invalidStatus(status);
            }
        }
        if (rows != NO_COUNT && rows < 0) {
            throw new InvalidEventException("rows must be >= 0, got " + rows);
        }
        if (items != NO_COUNT && items < 0) {
            throw new InvalidEventException("items must be >= 0, got " + items);
        }
    }

    /**
     * Any type of event, durations in nanoseconds: what the agent's sender and the codec build.
     *
     * @param count rows of a query or items of a scrape ({@link #NO_COUNT} if absent); ignored otherwise
     */
    public static MetricEvent of(EventType type, long ts, String service, String name, String instance,
                                 long durationNanos, boolean error, int status, String method, long count,
                                 boolean hit, CacheLevel level) {
        boolean request = type == EventType.REQUEST;
        boolean cache = type == EventType.CACHE;
        return new MetricEvent(type, ts, service, name, instance, durationNanos, error,
                request ? status : NO_STATUS, request ? method : null,
                type == EventType.QUERY ? count : NO_COUNT, cache && hit, cache ? level : null,
                type == EventType.SCRAPER ? count : NO_COUNT);
    }

    // The factories below take durations as the wire does, in milliseconds (tests and simulators write
    // them that way); they convert once, with the codec's rule.

    /** A request; {@code error} follows the v1 default, {@code status >= 500}. */
    public static MetricEvent request(long ts, String service, String route, String instance,
                                      double durationMs, int status, String method) {
        return request(ts, service, route, instance, durationMs, status, method, status >= 500);
    }

    public static MetricEvent request(long ts, String service, String route, String instance,
                                      double durationMs, int status, String method, boolean error) {
        return of(EventType.REQUEST, ts, service, route, instance, nanosFromWireMillis(durationMs), error,
                status, method, NO_COUNT, false, null);
    }

    public static MetricEvent query(long ts, String service, String fingerprint, String instance,
                                    double durationMs, boolean error, long rows) {
        return counted(EventType.QUERY, ts, service, fingerprint, instance, durationMs, error, rows);
    }

    public static MetricEvent scrape(long ts, String service, String platform, String instance,
                                     double durationMs, boolean error, long items) {
        return counted(EventType.SCRAPER, ts, service, platform, instance, durationMs, error, items);
    }

    /** A query or a scrape: a duration, an error flag and a count of what came back. */
    private static MetricEvent counted(EventType type, long ts, String service, String name, String instance,
                                       double durationMs, boolean error, long count) {
        return of(type, ts, service, name, instance, nanosFromWireMillis(durationMs), error, NO_STATUS, null, count,
                false, null);
    }

    /** @param durationMs milliseconds, or {@link Double#NaN} for a cache access without a duration */
    public static MetricEvent cache(long ts, String service, String cacheName, String instance,
                                    boolean hit, CacheLevel level, double durationMs, boolean error) {
        return of(EventType.CACHE, ts, service, cacheName, instance, nanosFromWireMillis(durationMs), error,
                NO_STATUS, null, NO_COUNT, hit, level);
    }

    /**
     * The wire's {@code duration_ms} in nanoseconds, rounded to the nearest; NaN (absent) gives
     * {@link #NO_DURATION}.
     *
     * @throws InvalidEventException for a negative or infinite value, in the words of the v1 rules
     */
    public static long nanosFromWireMillis(double durationMs) {
        if (Double.isNaN(durationMs)) {
            return NO_DURATION;
        }
        if (durationMs < 0) {
            throw new InvalidEventException("duration_ms must be >= 0, got " + durationMs);
        }
        if (Double.isInfinite(durationMs)) {
            throw new InvalidEventException("duration_ms must be a finite number");
        }
        if (durationMs > MAX_DURATION_MS) {
            throw tooLong(durationMs);
        }
        return Math.round(durationMs * NANOS_PER_MILLI); // -0.0 rounds to 0: minus zero is zero
    }

    private static InvalidEventException tooLong(double durationMs) {
        return new InvalidEventException("duration_ms must be at most " + MAX_DURATION_MS + " (24 hours), got " + durationMs);
    }

    /** The duration as the wire writes it, in milliseconds; NaN when there is none. */
    public double durationMs() {
        return durationNanos == NO_DURATION ? Double.NaN : durationNanos / NANOS_PER_MILLI;
    }

    public boolean hasDuration() {
        return durationNanos != NO_DURATION;
    }

    /** Whether {@code status} is an HTTP status v1 accepts. */
    public static boolean isValidStatus(long status) {
        return status >= MIN_STATUS && status <= MAX_STATUS;
    }

    /** The v1 reason for a status outside {@link #MIN_STATUS}–{@link #MAX_STATUS}. */
    public static InvalidEventException invalidStatus(long status) {
        return new InvalidEventException("status must be between " + MIN_STATUS + " and " + MAX_STATUS + ", got " + status);
    }

    private static void checkLength(String field, String value, int max) {
        String problem = checkedText(field, value, max);
        if (problem != null) {
            throw new InvalidEventException(problem);
        }
    }

    /**
     * Why a service or name breaks the v1 rules, in words, or null when it is fine: present, 1 to
     * {@code max} characters, no NUL, no half of a surrogate pair.
     */
    public static String checkedText(String field, String value, int max) {
        if (value == null) {
            return "missing field \"" + field + "\"";
        }
        // length() counts UTF-16 units; only a long string can be over in code points, so count those lazily.
        int length = value.length();
        if (length > max) {
            length = value.codePointCount(0, value.length());
        }
        if (length < 1 || length > max) {
            return field + " must be 1-" + max + " characters, got " + length;
        }
        // Stored in PostgreSQL text columns, which can hold neither NUL nor half a UTF-16 surrogate pair
        // (a JSON escape such as "\ud800" decodes to one): either would fail or silently change every
        // write of its batch, so it is rejected here, with the reason, like any other invalid event.
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\u0000') {
                return field + " must not contain the NUL character (\\u0000)";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++; // a pair: one code point beyond the BMP, fine
                } else {
                    return String.format(
                            "%s must not contain an unpaired surrogate (\\u%04x at character %d)", field, (int) c, i + 1);
                }
            }
        }
        return null;
    }
}
