package dev.vigil.events;

/**
 * One event as an agent reports it: a request served, a query run, a cache access or a scrape.
 *
 * <p>The record is flat rather than one class per type so that the hot paths (decode, aggregate) move
 * one shape of object. Fields that a type does not use, or that were absent on the wire, hold the
 * sentinels {@link #NO_DURATION}, {@link #NO_STATUS} and {@link #NO_COUNT} (or {@code null}).
 *
 * <p>The constructor enforces the value rules of the v1 format, so an instance is always valid; the
 * codec adds the rules that only make sense on the wire (JSON types, missing fields).
 *
 * @param type       what happened
 * @param ts         event time, epoch milliseconds
 * @param service    the service that reports it, 1–128 characters
 * @param name       route template, query fingerprint, cache name or scraped platform, 1–256 characters
 * @param instance   the reporting instance, or {@code null}
 * @param durationMs latency in milliseconds (fractions allowed), or {@link #NO_DURATION}
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
        double durationMs,
        boolean error,
        int status,
        String method,
        long rows,
        boolean hit,
        CacheLevel level,
        long items) {

    public static final int MAX_SERVICE_LENGTH = 128;
    public static final int MAX_NAME_LENGTH = 256;

    /** Marks an absent {@code duration_ms}. */
    public static final double NO_DURATION = Double.NaN;
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
        if (Double.isNaN(durationMs)) {
            if (type.requiresDuration()) {
                throw new InvalidEventException("missing field \"duration_ms\"");
            }
        } else if (durationMs < 0) {
            throw new InvalidEventException("duration_ms must be >= 0, got " + durationMs);
        } else if (Double.isInfinite(durationMs)) {
            throw new InvalidEventException("duration_ms must be a finite number");
        }
        if (type == EventType.REQUEST) {
            if (status == NO_STATUS) {
                throw new InvalidEventException("missing field \"status\"");
            }
            if (status < 100 || status > 599) {
                throw new InvalidEventException("status must be between 100 and 599, got " + status);
            }
        }
        if (rows != NO_COUNT && rows < 0) {
            throw new InvalidEventException("rows must be >= 0, got " + rows);
        }
        if (items != NO_COUNT && items < 0) {
            throw new InvalidEventException("items must be >= 0, got " + items);
        }
    }

    /** A request; {@code error} follows the v1 default, {@code status >= 500}. */
    public static MetricEvent request(long ts, String service, String route, String instance,
                                      double durationMs, int status, String method) {
        return request(ts, service, route, instance, durationMs, status, method, status >= 500);
    }

    public static MetricEvent request(long ts, String service, String route, String instance,
                                      double durationMs, int status, String method, boolean error) {
        return new MetricEvent(EventType.REQUEST, ts, service, route, instance, durationMs, error,
                status, method, NO_COUNT, false, null, NO_COUNT);
    }

    public static MetricEvent query(long ts, String service, String fingerprint, String instance,
                                    double durationMs, boolean error, long rows) {
        return new MetricEvent(EventType.QUERY, ts, service, fingerprint, instance, durationMs, error,
                NO_STATUS, null, rows, false, null, NO_COUNT);
    }

    public static MetricEvent cache(long ts, String service, String cacheName, String instance,
                                    boolean hit, CacheLevel level, double durationMs, boolean error) {
        return new MetricEvent(EventType.CACHE, ts, service, cacheName, instance, durationMs, error,
                NO_STATUS, null, NO_COUNT, hit, level, NO_COUNT);
    }

    public static MetricEvent scrape(long ts, String service, String platform, String instance,
                                     double durationMs, boolean error, long items) {
        return new MetricEvent(EventType.SCRAPER, ts, service, platform, instance, durationMs, error,
                NO_STATUS, null, NO_COUNT, false, null, items);
    }

    public boolean hasDuration() {
        return !Double.isNaN(durationMs);
    }

    private static void checkLength(String field, String value, int max) {
        if (value == null) {
            throw new InvalidEventException("missing field \"" + field + "\"");
        }
        // length() counts UTF-16 units; only a long string can be over in code points, so count those lazily.
        int length = value.length();
        if (length > max) {
            length = value.codePointCount(0, value.length());
        }
        if (length < 1 || length > max) {
            throw new InvalidEventException(
                    field + " must be 1-" + max + " characters, got " + length);
        }
        // Stored in PostgreSQL text columns, which cannot hold NUL: one such event would fail every
        // write of its batch, so it is rejected here, with the reason, like any other invalid event.
        if (value.indexOf('\u0000') >= 0) {
            throw new InvalidEventException(field + " must not contain the NUL character (\\u0000)");
        }
    }
}
