package dev.vigil.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The v1 wire codec: one JSON object per Kafka record value, UTF-8.
 *
 * <p>Decoding walks the tokens once with Jackson's streaming parser (no reflection, no tree) and
 * rejects anything that breaks the v1 rules with an {@link InvalidEventException} whose message is the
 * reason in words. Unknown fields are skipped. A {@code null} on an optional field counts as absent.
 *
 * <p>Instances are immutable and thread-safe; share one.
 */
public final class EventCodec {

    /** A record value larger than this is rejected unread. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    // FastDoubleParser instead of Double.parseDouble: same results, several times faster per duration.
    private final JsonFactory factory = JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    /** Canonical strings per decoding thread: see {@link StringCache}. */
    private static final ThreadLocal<StringCache> STRINGS = ThreadLocal.withInitial(() -> new StringCache(16 * 1024));

    /** Decodes one record value, or throws {@link InvalidEventException} saying why it is not valid. */
    public MetricEvent decode(byte[] value) {
        if (value == null) {
            throw new InvalidEventException("value is null");
        }
        if (value.length > MAX_VALUE_BYTES) {
            throw new InvalidEventException(
                    "value is " + value.length + " bytes, over the " + MAX_VALUE_BYTES + "-byte limit");
        }
        int badUtf8 = Utf8.firstInvalidByte(value);
        if (badUtf8 >= 0) {
            throw new InvalidEventException("invalid UTF-8 at byte " + badUtf8);
        }
        try (JsonParser parser = factory.createParser(value)) {
            return parseObject(parser, STRINGS.get());
        } catch (InputCoercionException e) {
            throw new InvalidEventException("number out of range: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("not valid JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            // Parsing a byte array does no I/O; anything else is a parse failure too.
            throw new InvalidEventException("not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    private static MetricEvent parseObject(JsonParser p, StringCache strings) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new InvalidEventException("empty value");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new InvalidEventException("expected a JSON object, got " + describe(first));
        }
        String typeName = null;
        long ts = 0;
        boolean hasTs = false;
        String service = null;
        String name = null;
        String instance = null;
        double durationMs = MetricEvent.NO_DURATION;
        Boolean error = null;
        int status = MetricEvent.NO_STATUS;
        boolean hasStatus = false;
        String method = null;
        long rows = MetricEvent.NO_COUNT;
        Boolean hit = null;
        String level = null;
        long items = MetricEvent.NO_COUNT;

        JsonToken token;
        while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_NULL) {
                continue; // null means absent; a required field then reports as missing
            }
            switch (field) {
                case "type" -> typeName = string(p, v, field, strings);
                case "ts" -> {
                    ts = integer(p, v, field);
                    hasTs = true;
                }
                case "service" -> service = string(p, v, field, strings);
                case "name" -> name = string(p, v, field, strings);
                case "instance" -> instance = string(p, v, field, strings);
                case "duration_ms" -> {
                    if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
                        throw wrongType(field, "a number", v);
                    }
                    durationMs = p.getDoubleValue();
                }
                case "error" -> error = bool(v, field);
                case "status" -> {
                    long s = integer(p, v, field);
                    // Out-of-int values would wrap; any value outside 100-599 fails the same rule.
                    status = (s < 100 || s > 599) ? -1 : (int) s;
                    if (status < 0) {
                        throw new InvalidEventException("status must be between 100 and 599, got " + s);
                    }
                    hasStatus = true;
                }
                case "method" -> method = string(p, v, field, strings);
                case "rows" -> rows = count(p, v, field);
                case "hit" -> hit = bool(v, field);
                case "level" -> level = string(p, v, field, strings);
                case "items" -> items = count(p, v, field);
                default -> p.skipChildren(); // unknown fields are ignored (forward compatibility)
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new InvalidEventException("not valid JSON: unexpected " + describe(token));
        }
        if (p.nextToken() != null) {
            throw new InvalidEventException("unexpected data after the JSON object");
        }

        if (typeName == null) {
            throw missing("type");
        }
        EventType type = EventType.fromWireName(typeName);
        if (type == null) {
            throw new InvalidEventException(
                    "unknown type \"" + typeName + "\" (expected request, query, cache or scraper)");
        }
        if (!hasTs) {
            throw missing("ts");
        }
        if (service == null) {
            throw missing("service");
        }
        if (name == null) {
            throw missing("name");
        }
        return switch (type) {
            case REQUEST -> {
                if (!hasStatus) {
                    throw missing("status");
                }
                yield MetricEvent.request(ts, service, name, instance, durationMs, status, method,
                        error != null ? error : status >= 500);
            }
            case QUERY -> MetricEvent.query(ts, service, name, instance, durationMs,
                    Boolean.TRUE.equals(error), rows);
            case CACHE -> {
                if (hit == null) {
                    throw missing("hit");
                }
                CacheLevel cacheLevel = null;
                if (level != null) {
                    cacheLevel = CacheLevel.fromWireName(level);
                    if (cacheLevel == null) {
                        throw new InvalidEventException("level must be \"L1\" or \"L2\", got \"" + level + "\"");
                    }
                }
                yield MetricEvent.cache(ts, service, name, instance, hit, cacheLevel, durationMs,
                        Boolean.TRUE.equals(error));
            }
            case SCRAPER -> MetricEvent.scrape(ts, service, name, instance, durationMs,
                    Boolean.TRUE.equals(error), items);
        };
    }

    /** Encodes an event in the v1 format; absent optional fields are left out. */
    public byte[] encode(MetricEvent event) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = factory.createGenerator(out)) {
            write(g, event);
        } catch (IOException e) {
            throw new UncheckedIOException("encoding to memory failed", e);
        }
        return out.toByteArray();
    }

    /** Writes an event as one JSON object to a generator the caller owns (and may reuse). */
    public static void write(JsonGenerator g, MetricEvent e) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", e.type().wireName());
        g.writeNumberField("ts", e.ts());
        g.writeStringField("service", e.service());
        g.writeStringField("name", e.name());
        if (e.instance() != null) {
            g.writeStringField("instance", e.instance());
        }
        if (e.hasDuration()) {
            g.writeNumberField("duration_ms", e.durationMs());
        }
        g.writeBooleanField("error", e.error());
        switch (e.type()) {
            case REQUEST -> {
                g.writeNumberField("status", e.status());
                if (e.method() != null) {
                    g.writeStringField("method", e.method());
                }
            }
            case QUERY -> {
                if (e.rows() != MetricEvent.NO_COUNT) {
                    g.writeNumberField("rows", e.rows());
                }
            }
            case CACHE -> {
                g.writeBooleanField("hit", e.hit());
                if (e.level() != null) {
                    g.writeStringField("level", e.level().name());
                }
            }
            case SCRAPER -> {
                if (e.items() != MetricEvent.NO_COUNT) {
                    g.writeNumberField("items", e.items());
                }
            }
        }
        g.writeEndObject();
    }

    /** Convenience for tests and tools: decodes a JSON string. */
    public MetricEvent decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String string(JsonParser p, JsonToken v, String field, StringCache strings) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw wrongType(field, "a string", v);
        }
        return strings.get(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    private static long integer(JsonParser p, JsonToken v, String field) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(field, "an integer", v);
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new InvalidEventException(field + " is out of range");
        }
        return p.getLongValue();
    }

    private static long count(JsonParser p, JsonToken v, String field) throws IOException {
        long n = integer(p, v, field);
        if (n < 0) {
            throw new InvalidEventException(field + " must be >= 0, got " + n);
        }
        return n;
    }

    private static boolean bool(JsonToken v, String field) {
        if (v == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (v == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw wrongType(field, "a boolean", v);
    }

    private static InvalidEventException missing(String field) {
        return new InvalidEventException("missing field \"" + field + "\"");
    }

    private static InvalidEventException wrongType(String field, String expected, JsonToken got) {
        return new InvalidEventException("field \"" + field + "\" must be " + expected + ", got " + describe(got));
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() != null ? "'" + t.asString() + "'" : t.name();
        };
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
