package dev.vigil.sinks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One alert transition: a rule's series started firing, escalated from warning to critical, or
 * resolved. The same fields go into the {@code alerts} table and, as JSON, onto Redis.
 *
 * @param alertId     deterministic: the same rule, series, window and event always give the same id,
 *                    so a replay after a failure writes the same row and subscribers can drop repeats
 * @param event       {@code firing}, {@code escalated} or {@code resolved}
 * @param severity    {@code warning} or {@code critical}; for {@code resolved}, the severity it had
 * @param value       the metric's value in the window that caused the transition (NaN: no data)
 * @param threshold   the threshold it was compared with
 * @param windowStart epoch ms of the window that caused the transition
 * @param startedAt   epoch ms the alert's breach began (start of its first breaching window)
 */
public record AlertEvent(
        String alertId,
        String event,
        String rule,
        String severity,
        String type,
        String service,
        String name,
        String metric,
        double value,
        double threshold,
        long windowStart,
        long windowEnd,
        long startedAt,
        String summary) {

    public static final String FIRING = "firing";
    public static final String ESCALATED = "escalated";
    public static final String RESOLVED = "resolved";

    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** The Redis payload: every field, times as ISO-8601 UTC strings. */
    public String toJson() {
        ByteArrayBuilder out = new ByteArrayBuilder(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("alert_id", alertId);
            g.writeStringField("event", event);
            g.writeStringField("rule", rule);
            g.writeStringField("severity", severity);
            g.writeStringField("type", type);
            g.writeStringField("service", service);
            g.writeStringField("name", name);
            g.writeStringField("metric", metric);
            writeNumber(g, "value", value);
            writeNumber(g, "threshold", threshold);
            g.writeStringField("window_start", Instant.ofEpochMilli(windowStart).toString());
            g.writeStringField("window_end", Instant.ofEpochMilli(windowEnd).toString());
            g.writeStringField("started_at", Instant.ofEpochMilli(startedAt).toString());
            g.writeStringField("summary", summary);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    /** Parses a payload written by {@link #toJson()} (for subscribers such as {@code vigil alerts}). */
    public static AlertEvent fromJson(String json) {
        Map<String, String> f = new HashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("alert payload is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                f.put(field, p.currentToken() == JsonToken.VALUE_NULL ? null : p.getText());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("alert payload is not valid JSON: " + e.getMessage(), e);
        }
        return new AlertEvent(f.get("alert_id"), f.get("event"), f.get("rule"), f.get("severity"), f.get("type"),
                f.get("service"), f.get("name"), f.get("metric"), number(f.get("value")), number(f.get("threshold")),
                Instant.parse(f.get("window_start")).toEpochMilli(), Instant.parse(f.get("window_end")).toEpochMilli(),
                Instant.parse(f.get("started_at")).toEpochMilli(), f.get("summary"));
    }

    private static void writeNumber(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isNaN(v)) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, v);
        }
    }

    private static double number(String s) {
        return s == null ? Double.NaN : Double.parseDouble(s);
    }
}
