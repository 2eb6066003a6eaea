package dev.vigil.dashboard;

import io.javalin.http.Context;

import java.util.Locale;
import java.util.Set;

/** Reads and checks a request's query parameters; every complaint names the parameter and the value. */
final class Parameters {
    /** The event types a series can have (the {@code type} column). */
    static final Set<String> TYPES = Set.of("request", "query", "cache", "scraper");
    /** Longer than any service or series name the job accepts (events.md: 200 characters). */
    private static final int MAX_LENGTH = 256;

    private Parameters() {
    }

    static String optional(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > MAX_LENGTH) {
            throw ApiException.badRequest(name + " is longer than " + MAX_LENGTH + " characters");
        }
        return value;
    }

    static String required(Context ctx, String name) {
        String value = optional(ctx, name);
        if (value == null) {
            throw ApiException.badRequest("missing parameter " + name);
        }
        return value;
    }

    static String type(Context ctx, String fallback) {
        String value = optional(ctx, "type");
        if (value == null) {
            return fallback;
        }
        String type = value.toLowerCase(Locale.ROOT);
        if (!TYPES.contains(type)) {
            throw ApiException.badRequest("unknown type " + quote(value) + "; one of request, query, cache, scraper");
        }
        return type;
    }

    static String oneOf(Context ctx, String name, String fallback, Set<String> allowed) {
        String value = optional(ctx, name);
        if (value == null) {
            return fallback;
        }
        if (!allowed.contains(value)) {
            throw ApiException.badRequest(name + " must be one of " + String.join(", ", new java.util.TreeSet<>(allowed))
                    + ", not " + quote(value));
        }
        return value;
    }

    /** A value quoted for a message, cut short: a parameter can carry anything, messages stay readable. */
    static String quote(String value) {
        String shown = value.length() > 60 ? value.substring(0, 60) + "…" : value;
        return '"' + shown.replace("\"", "\\\"") + '"';
    }
}
