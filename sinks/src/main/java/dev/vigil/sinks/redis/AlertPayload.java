package dev.vigil.sinks.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.model.AlertEvent;

import java.time.Instant;

/**
 * The JSON form of an alert transition on Redis (and in the Redis sink's checkpointed state): every
 * {@code alerts} column under its column name (including {@code fingerprint} and {@code status}, which
 * follow from the others), times as ISO-8601 UTC strings, a missing value as null.
 */
public final class AlertPayload {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertPayload() {
    }

    public static String toJson(AlertEvent a) {
        ObjectNode o = JSON.createObjectNode()
                .put("alert_id", a.alertId())
                .put("event", a.event())
                .put("rule", a.rule())
                .put("severity", a.severity())
                .put("type", a.type())
                .put("service", a.service())
                .put("name", a.name())
                .put("metric", a.metric());
        putNumber(o, "value", a.value());
        putNumber(o, "threshold", a.threshold());
        o.put("window_start", Instant.ofEpochMilli(a.windowStart()).toString())
                .put("window_end", Instant.ofEpochMilli(a.windowEnd()).toString())
                .put("started_at", Instant.ofEpochMilli(a.startedAt()).toString())
                .put("summary", a.summary())
                .put("fingerprint", a.fingerprint())
                .put("status", a.status());
        return o.toString();
    }

    /** Parses a payload written by {@link #toJson} (for subscribers such as {@code vigil alerts}). */
    public static AlertEvent fromJson(String json) {
        JsonNode f;
        try {
            f = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("alert payload is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (f == null || !f.isObject()) {
            throw new IllegalArgumentException("alert payload is not a JSON object");
        }
        return new AlertEvent(text(f, "alert_id"), text(f, "event"), text(f, "rule"), text(f, "severity"),
                text(f, "type"), text(f, "service"), text(f, "name"), text(f, "metric"), number(f, "value"),
                number(f, "threshold"), time(f, "window_start"), time(f, "window_end"), time(f, "started_at"),
                text(f, "summary"));
    }

    private static void putNumber(ObjectNode o, String field, double v) {
        if (Double.isNaN(v)) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static double number(JsonNode o, String field) {
        String s = text(o, field);
        return s == null ? Double.NaN : Double.parseDouble(s);
    }

    private static long time(JsonNode o, String field) {
        String s = text(o, field);
        if (s == null) {
            throw new IllegalArgumentException("alert payload has no \"" + field + "\"");
        }
        return Instant.parse(s).toEpochMilli();
    }
}
