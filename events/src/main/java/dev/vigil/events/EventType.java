package dev.vigil.events;

/** The four kinds of event an agent sends. The wire name is the value of the {@code type} field. */
public enum EventType {
    REQUEST("request"),
    QUERY("query"),
    CACHE("cache"),
    SCRAPER("scraper");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether {@code duration_ms} is required for this type (it is optional for cache accesses). */
    public boolean requiresDuration() {
        return this != CACHE;
    }

    /** The type for a wire name, or {@code null} if the name is not one of the four. */
    public static EventType fromWireName(String name) {
        return switch (name) {
            case "request" -> REQUEST;
            case "query" -> QUERY;
            case "cache" -> CACHE;
            case "scraper" -> SCRAPER;
            default -> null;
        };
    }
}
