package dev.vigil.sinks.redis;

/** The Redis names alert subscribers rely on. */
public final class AlertChannels {
    /** Every alert, as JSON. */
    public static final String ALL = "vigil:alerts";
    /** Prefix of the per-service channels: {@code vigil:alerts:<service>}; {@code PSUBSCRIBE vigil:alerts:*} works. */
    public static final String SERVICE_PREFIX = "vigil:alerts:";
    /** The capped stream a subscriber that was away reads to catch up. */
    public static final String STREAM = "vigil:alerts:stream";
    /** Entries the stream keeps, approximately. */
    public static final long STREAM_MAX_LENGTH = 10_000;

    private AlertChannels() {
    }

    public static String forService(String service) {
        return SERVICE_PREFIX + service;
    }
}
