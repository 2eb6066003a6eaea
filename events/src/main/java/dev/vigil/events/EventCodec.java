package dev.vigil.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

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

    /** Nesting deeper than this (in unknown fields; known ones are flat) is refused. */
    public static final int MAX_NESTING_DEPTH = 64;
    /** A number with more characters than this is refused (a 64-bit integer has at most 20). */
    public static final int MAX_NUMBER_LENGTH = 100;

    // FastDoubleParser instead of Double.parseDouble: same results, several times faster per duration.
    // The read limits are set here, not left to Jackson's defaults, so an upgrade cannot change what is valid.
    private final JsonFactory factory = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxStringLength(MAX_VALUE_BYTES)
                    .maxNameLength(MAX_VALUE_BYTES)
                    .build())
            .build();

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

    /**
     * Every event of one record value in either format, v1 (one event) or {@linkplain EventBatch batch};
     * for readers that want the events and treat any invalid one as an error (tests, benchmarks).
     *
     * @throws InvalidEventException if the value, or any event in it, is invalid
     */
    public List<MetricEvent> decodeRecord(byte[] value) {
        if (!EventBatch.isBatch(value)) {
            return List.of(decode(value));
        }
        List<MetricEvent> events = new ArrayList<>();
        EventBatch.read(value, new EventBatch.Sink() {
            @Override
            public void event(MetricEvent event, EventBatch.Alone alone) {
                events.add(event);
            }

            @Override
            public void invalid(byte[] alone, String reason) {
                throw new InvalidEventException(reason);
            }
        });
        return events;
    }

    private static MetricEvent parseObject(JsonParser p, StringCache strings) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new InvalidEventException("empty value");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new InvalidEventException("expected a JSON object, got " + describe(first));
        }
        Fields fields = new Fields();
        JsonToken token;
        while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            fields.read(field, p.nextToken(), p, strings);
        }
        if (token != JsonToken.END_OBJECT) {
            throw new InvalidEventException("not valid JSON: unexpected " + describe(token));
        }
        if (p.nextToken() != null) {
            throw new InvalidEventException("unexpected data after the JSON object");
        }
        return fields.toEvent();
    }

    /** The fields of one object as read so far; absent ones hold the {@link MetricEvent} sentinels. */
    private static final class Fields {
        String typeName;
        long ts;
        boolean hasTs;
        String service;
        String name;
        String instance;
        long durationNanos = MetricEvent.NO_DURATION;
        Boolean error;
        int status = MetricEvent.NO_STATUS;
        String method;
        long rows = MetricEvent.NO_COUNT;
        Boolean hit;
        String level;
        long items = MetricEvent.NO_COUNT;
        /** One bit per known field seen, {@link #KNOWN} order: a second occurrence is refused. */
        int seen;

        void read(String field, JsonToken v, JsonParser p, StringCache strings) throws IOException {
            // null means absent (a required field then reports as missing), but still counts as a
            // duplicate: `"ts":1,"ts":null` is as ambiguous as two values.
            boolean isNull = v == JsonToken.VALUE_NULL;
            switch (field) {
                case "type" -> {
                    once(0, field);
                    typeName = isNull ? null : string(p, v, field, strings);
                }
                case "ts" -> {
                    once(1, field);
                    if (!isNull) {
                        ts = integer(p, v, field);
                        hasTs = true;
                    }
                }
                case "service" -> {
                    once(2, field);
                    service = isNull ? null : string(p, v, field, strings);
                }
                case "name" -> {
                    once(3, field);
                    name = isNull ? null : string(p, v, field, strings);
                }
                case "instance" -> {
                    once(4, field);
                    instance = isNull ? null : string(p, v, field, strings);
                }
                case "duration_ms" -> {
                    once(5, field);
                    if (!isNull) {
                        if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
                            throw wrongType(field, "a number", v);
                        }
                        durationNanos = MetricEvent.nanosFromWireMillis(p.getDoubleValue());
                    }
                }
                case "error" -> {
                    once(6, field);
                    error = isNull ? null : bool(v, field);
                }
                case "status" -> {
                    once(7, field);
                    if (!isNull) {
                        long s = integer(p, v, field); // a long: an out-of-int value must not wrap into range
                        if (!MetricEvent.isValidStatus(s)) {
                            throw MetricEvent.invalidStatus(s);
                        }
                        status = (int) s;
                    }
                }
                case "method" -> {
                    once(8, field);
                    method = isNull ? null : string(p, v, field, strings);
                }
                case "rows" -> {
                    once(9, field);
                    rows = isNull ? MetricEvent.NO_COUNT : count(p, v, field);
                }
                case "hit" -> {
                    once(10, field);
                    hit = isNull ? null : bool(v, field);
                }
                case "level" -> {
                    once(11, field);
                    level = isNull ? null : string(p, v, field, strings);
                }
                case "items" -> {
                    once(12, field);
                    items = isNull ? MetricEvent.NO_COUNT : count(p, v, field);
                }
                default -> p.skipChildren(); // unknown fields are ignored (forward compatibility), repeated or not
            }
        }

        /** Marks known field number {@code bit} as seen; a second time is refused. */
        private void once(int bit, String field) {
            if ((seen & (1 << bit)) != 0) {
                // Parsers disagree on which copy wins; a producer that sends two has a bug worth seeing.
                throw new InvalidEventException("duplicate field \"" + field + "\"");
            }
            seen |= 1 << bit;
        }

        /** The event, after the rules that only the wire has: required fields per type, known names. */
        MetricEvent toEvent() {
            EventType type = type();
            if (!hasTs) {
                throw missing("ts");
            }
            if (service == null) {
                throw missing("service");
            }
            if (name == null) {
                throw missing("name");
            }
            if (type == EventType.REQUEST && status == MetricEvent.NO_STATUS) {
                throw missing("status");
            }
            if (type == EventType.CACHE && hit == null) {
                throw missing("hit");
            }
            boolean failed = error != null ? error : type == EventType.REQUEST && status >= 500;
            long count = type == EventType.QUERY ? rows : items;
            return MetricEvent.of(type, ts, service, name, instance, durationNanos, failed, status, method, count,
                    Boolean.TRUE.equals(hit), type == EventType.CACHE ? cacheLevel() : null);
        }

        private EventType type() {
            if (typeName == null) {
                throw missing("type");
            }
            EventType type = EventType.fromWireName(typeName);
            if (type == null) {
                throw new InvalidEventException(
                        "unknown type \"" + typeName + "\" (expected request, query, cache or scraper)");
            }
            return type;
        }

        private CacheLevel cacheLevel() {
            if (level == null) {
                return null;
            }
            CacheLevel cacheLevel = CacheLevel.fromWireName(level);
            if (cacheLevel == null) {
                throw new InvalidEventException("level must be \"L1\" or \"L2\", got \"" + level + "\"");
            }
            return cacheLevel;
        }
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

    /**
     * An encoder for one thread that encodes event after event with one generator and one buffer, instead
     * of a new generator and buffer per event as {@link #encode} makes: what the agent's sender uses.
     * Only the returned value is allocated per event. Not thread-safe.
     */
    public Encoder newEncoder() {
        return new Encoder(factory);
    }

    /** See {@link #newEncoder()}. */
    public static final class Encoder {
        private final ByteArrayBuilder out = new ByteArrayBuilder(512);
        private final JsonGenerator g;

        private Encoder(JsonFactory factory) {
            try {
                g = factory.createGenerator(out);
            } catch (IOException e) {
                throw new UncheckedIOException("creating a generator over memory failed", e);
            }
            g.setRootValueSeparator(null); // each value is a record of its own, not a stream of values
        }

        /** The v1 bytes of one event, the same as {@link EventCodec#encode} gives. */
        public byte[] encode(MetricEvent event) {
            try {
                write(g, event);
                g.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("encoding to memory failed", e);
            }
            byte[] bytes = out.toByteArray();
            out.reset();
            return bytes;
        }
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
