package dev.vigil.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class EventCodecTest {

    private final TextCodec codec = new TextCodec();

    /** The codec, with JSON given as text for readable tests (records arrive as bytes). */
    private static final class TextCodec {
        private final EventCodec codec = new EventCodec();

        MetricEvent decode(String json) {
            return codec.decode(json.getBytes(StandardCharsets.UTF_8));
        }

        MetricEvent decode(byte[] value) {
            return codec.decode(value);
        }

        byte[] encode(MetricEvent event) {
            return codec.encode(event);
        }
    }

    // ---- good input --------------------------------------------------------------------------

    @Test
    void decodesARequestWithEveryField() {
        MetricEvent e = codec.decode("""
                {"type":"request","ts":1700000000123,"service":"checkout","name":"GET /cart/{id}",
                 "instance":"checkout-1","duration_ms":12.5,"status":200,"method":"GET","error":false}""");

        assertThat(e.type()).isEqualTo(EventType.REQUEST);
        assertThat(e.ts()).isEqualTo(1700000000123L);
        assertThat(e.service()).isEqualTo("checkout");
        assertThat(e.name()).isEqualTo("GET /cart/{id}");
        assertThat(e.instance()).isEqualTo("checkout-1");
        assertThat(e.durationMs()).isEqualTo(12.5);
        assertThat(e.status()).isEqualTo(200);
        assertThat(e.method()).isEqualTo("GET");
        assertThat(e.error()).isFalse();
    }

    @Test
    void requestErrorDefaultsToStatusAtLeast500() {
        assertThat(codec.decode(request("\"status\":500")).error()).isTrue();
        assertThat(codec.decode(request("\"status\":499")).error()).isFalse();
        assertThat(codec.decode(request("\"status\":200,\"error\":true")).error()).isTrue();
        assertThat(codec.decode(request("\"status\":503,\"error\":false")).error()).isFalse();
    }

    @Test
    void decodesQueryCacheAndScraper() {
        MetricEvent q = codec.decode("""
                {"type":"query","ts":5,"service":"db","name":"SELECT users","duration_ms":3,"rows":42}""");
        assertThat(q.type()).isEqualTo(EventType.QUERY);
        assertThat(q.durationMs()).isEqualTo(3.0);
        assertThat(q.rows()).isEqualTo(42);
        assertThat(q.error()).isFalse();

        MetricEvent c = codec.decode("""
                {"type":"cache","ts":5,"service":"api","name":"plan_catalog","hit":true,"level":"L2"}""");
        assertThat(c.type()).isEqualTo(EventType.CACHE);
        assertThat(c.hit()).isTrue();
        assertThat(c.level()).isEqualTo(CacheLevel.L2);
        assertThat(c.hasDuration()).isFalse();

        MetricEvent s = codec.decode("""
                {"type":"scraper","ts":5,"service":"crawler","name":"twitter","duration_ms":4100.25,
                 "error":true,"items":0}""");
        assertThat(s.type()).isEqualTo(EventType.SCRAPER);
        assertThat(s.error()).isTrue();
        assertThat(s.items()).isZero();
    }

    @Test
    void ignoresUnknownFieldsOfAnyShape() {
        MetricEvent e = codec.decode("""
                {"type":"query","future":{"nested":[1,2,{"x":null}]},"ts":5,"tags":["a","b"],
                 "service":"db","name":"SELECT 1","duration_ms":0,"v2_field":"ü"}""");
        assertThat(e.name()).isEqualTo("SELECT 1");
        assertThat(e.durationMs()).isZero();
    }

    @Test
    void treatsNullOnAnOptionalFieldAsAbsent() {
        MetricEvent e = codec.decode("""
                {"type":"query","ts":5,"service":"db","name":"q","duration_ms":1,"instance":null,"rows":null}""");
        assertThat(e.instance()).isNull();
        assertThat(e.rows()).isEqualTo(MetricEvent.NO_COUNT);
    }

    @Test
    void acceptsNamesAtTheirLengthLimitsCountedInCharacters() {
        String service = "é".repeat(128);
        String name = "名".repeat(256);
        MetricEvent e = codec.decode("{\"type\":\"cache\",\"ts\":1,\"service\":\"" + service
                + "\",\"name\":\"" + name + "\",\"hit\":false}");
        assertThat(e.service()).isEqualTo(service);
        assertThat(e.name()).isEqualTo(name);
    }

    @Test
    void roundTripsEveryTypeThroughEncode() {
        MetricEvent[] events = {
            MetricEvent.request(1, "svc", "GET /a/{id}", "i-1", 12.75, 404, "GET"),
            MetricEvent.request(2, "svc", "POST \"quoted\" \\ route", null, 0.001, 503, null),
            MetricEvent.query(3, "svc", "SELECT users", null, 4, true, 17),
            MetricEvent.cache(4, "svc", "plan_catalog", "i-2", true, CacheLevel.L1, Double.NaN, false),
            MetricEvent.cache(5, "svc", "plan_catalog", null, false, null, 0.25, false),
            MetricEvent.scrape(6, "svc", "twitter", null, 4000, false, MetricEvent.NO_COUNT),
        };
        for (MetricEvent e : events) {
            MetricEvent back = codec.decode(codec.encode(e));
            assertThat(back).isEqualTo(e);
        }
    }

    @Test
    void theReusableEncoderWritesTheSameBytesEventAfterEvent() {
        EventCodec.Encoder encoder = new EventCodec().newEncoder();
        for (int round = 0; round < 3; round++) {
            for (MetricEvent e : List.of(
                    MetricEvent.request(1, "svc", "GET /a/{id}", "i-1", 12.75, 404, "GET"),
                    MetricEvent.request(2, "svc", "POST \"quoted\" \\ route ünïcode", null, 0.001, 503, null),
                    MetricEvent.query(3, "svc", "SELECT users", null, 4, true, 17),
                    MetricEvent.cache(4, "svc", "plan_catalog", "i-2", true, CacheLevel.L1, Double.NaN, false),
                    MetricEvent.scrape(6, "svc", "twitter", null, 4000, false, MetricEvent.NO_COUNT))) {
                byte[] bytes = encoder.encode(e);
                assertThat(bytes).as("no separator, no leftovers of the previous event").isEqualTo(codec.encode(e));
                assertThat(codec.decode(bytes)).isEqualTo(e);
            }
        }
    }

    // ---- bad input: every rule, with its exact reason ----------------------------------------

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                arguments("not JSON", "hello", "not valid JSON: Unrecognized token 'hello': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
                arguments("truncated JSON", "{\"type\":\"request\"", "not valid JSON: Unexpected end-of-input: expected close marker for Object (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])"),
                arguments("empty value", "", "empty value"),
                arguments("JSON array", "[{\"type\":\"request\"}]", "expected a JSON object, got an array"),
                arguments("JSON string", "\"request\"", "expected a JSON object, got a string"),
                arguments("two objects", query("") + "{}", "unexpected data after the JSON object"),
                arguments("missing type", "{\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1}", "missing field \"type\""),
                arguments("missing ts", "{\"type\":\"query\",\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1}", "missing field \"ts\""),
                arguments("missing service", "{\"type\":\"query\",\"ts\":1,\"name\":\"n\",\"duration_ms\":1}", "missing field \"service\""),
                arguments("missing name", "{\"type\":\"query\",\"ts\":1,\"service\":\"s\",\"duration_ms\":1}", "missing field \"name\""),
                arguments("missing duration on request", "{\"type\":\"request\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"status\":200}", "missing field \"duration_ms\""),
                arguments("missing duration on query", "{\"type\":\"query\",\"ts\":1,\"service\":\"s\",\"name\":\"n\"}", "missing field \"duration_ms\""),
                arguments("missing duration on scraper", "{\"type\":\"scraper\",\"ts\":1,\"service\":\"s\",\"name\":\"n\"}", "missing field \"duration_ms\""),
                arguments("missing status", "{\"type\":\"request\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1}", "missing field \"status\""),
                arguments("missing hit", "{\"type\":\"cache\",\"ts\":1,\"service\":\"s\",\"name\":\"n\"}", "missing field \"hit\""),
                arguments("null required field", "{\"type\":\"query\",\"ts\":null,\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1}", "missing field \"ts\""),
                arguments("unknown type", "{\"type\":\"trace\",\"ts\":1,\"service\":\"s\",\"name\":\"n\"}", "unknown type \"trace\" (expected request, query, cache or scraper)"),
                arguments("type not a string", "{\"type\":1,\"ts\":1,\"service\":\"s\",\"name\":\"n\"}", "field \"type\" must be a string, got a number"),
                arguments("ts as string", query("\"ts\":\"1700000000000\""), "field \"ts\" must be an integer, got a string"),
                arguments("ts as float", query("\"ts\":1.5"), "field \"ts\" must be an integer, got a number"),
                arguments("ts too big", query("\"ts\":99999999999999999999"), "ts is out of range"),
                arguments("negative ts", query("\"ts\":-1"), "ts must be >= 0, got -1"),
                arguments("service as number", query("\"service\":7"), "field \"service\" must be a string, got a number"),
                arguments("empty service", query("\"service\":\"\""), "service must be 1-128 characters, got 0"),
                arguments("long service", query("\"service\":\"" + "s".repeat(129) + "\""), "service must be 1-128 characters, got 129"),
                arguments("empty name", query("\"name\":\"\""), "name must be 1-256 characters, got 0"),
                arguments("long name", query("\"name\":\"" + "n".repeat(257) + "\""), "name must be 1-256 characters, got 257"),
                arguments("name as object", query("\"name\":{}"), "field \"name\" must be a string, got an object"),
                arguments("NUL in service", query("\"service\":\"a\\u0000b\""), "service must not contain the NUL character (\\u0000)"),
                arguments("NUL in name", query("\"name\":\"\\u0000\""), "name must not contain the NUL character (\\u0000)"),
                arguments("duration as string", query("\"duration_ms\":\"12\""), "field \"duration_ms\" must be a number, got a string"),
                arguments("negative duration", query("\"duration_ms\":-0.5"), "duration_ms must be >= 0, got -0.5"),
                arguments("error as string", query("\"error\":\"false\""), "field \"error\" must be a boolean, got a string"),
                arguments("error as number", query("\"error\":0"), "field \"error\" must be a boolean, got a number"),
                arguments("status too low", request("\"status\":99"), "status must be between 100 and 599, got 99"),
                arguments("status too high", request("\"status\":600"), "status must be between 100 and 599, got 600"),
                arguments("status far too high", request("\"status\":4294967496"), "status must be between 100 and 599, got 4294967496"),
                arguments("status as string", request("\"status\":\"200\""), "field \"status\" must be an integer, got a string"),
                arguments("negative rows", query("\"rows\":-3"), "rows must be >= 0, got -3"),
                arguments("rows as float", query("\"rows\":1.0"), "field \"rows\" must be an integer, got a number"),
                arguments("hit as string", "{\"type\":\"cache\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"hit\":\"yes\"}", "field \"hit\" must be a boolean, got a string"),
                arguments("bad cache level", "{\"type\":\"cache\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"hit\":true,\"level\":\"L3\"}", "level must be \"L1\" or \"L2\", got \"L3\""),
                arguments("negative items", "{\"type\":\"scraper\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1,\"items\":-1}", "items must be >= 0, got -1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValues")
    void rejectsWithTheExactReason(String what, String json, String reason) {
        assertThatThrownBy(() -> codec.decode(json))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage(reason);
    }

    @Test
    void rejectsANullValue() {
        assertThatThrownBy(() -> codec.decode((byte[]) null)).hasMessage("value is null");
    }

    @Test
    void rejectsAValueOverTheSizeLimitWithoutReadingIt() {
        byte[] big = new byte[EventCodec.MAX_VALUE_BYTES + 1];
        Arrays.fill(big, (byte) ' ');
        assertThatThrownBy(() -> codec.decode(big))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("value is 65537 bytes, over the 65536-byte limit");
    }

    @Test
    void acceptsAValueExactlyAtTheSizeLimit() {
        String head = "{\"type\":\"query\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1,\"pad\":\"";
        String tail = "\"}";
        String json = head + "x".repeat(EventCodec.MAX_VALUE_BYTES - head.length() - tail.length()) + tail;
        assertThat(json.getBytes(StandardCharsets.UTF_8)).hasSize(EventCodec.MAX_VALUE_BYTES);
        assertThat(codec.decode(json).name()).isEqualTo("n");
    }

    @Test
    void rejectsInvalidUtf8EvenInAFieldItWouldSkip() {
        byte[] prefix = "{\"type\":\"query\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1,\"x\":\""
                .getBytes(StandardCharsets.UTF_8);
        byte[] value = Arrays.copyOf(prefix, prefix.length + 3);
        value[prefix.length] = (byte) 0xC3; // start of a 2-byte sequence …
        value[prefix.length + 1] = (byte) 0x28; // … followed by a non-continuation byte
        value[prefix.length + 2] = (byte) '"';
        byte[] closed = Arrays.copyOf(value, value.length + 1);
        closed[value.length] = '}';

        assertThatThrownBy(() -> codec.decode(closed))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("invalid UTF-8 at byte " + prefix.length);
    }

    @Test
    void rejectsOverlongAndSurrogateEncodings() {
        byte[] overlong = {'"', (byte) 0xC0, (byte) 0xAF, '"'};
        byte[] surrogate = {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'};
        byte[] truncated = {'"', (byte) 0xE2, (byte) 0x82};
        assertThat(Utf8.firstInvalidByte(overlong)).isEqualTo(1);
        assertThat(Utf8.firstInvalidByte(surrogate)).isEqualTo(1);
        assertThat(Utf8.firstInvalidByte(truncated)).isEqualTo(1);
        assertThat(Utf8.firstInvalidByte("€ 😀 ü".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
    }

    /**
     * The validator against the JDK's strict UTF-8 decoder, on mostly-ASCII bytes with a few others at
     * every offset (the ASCII fast path steps eight bytes at a time, so an invalid byte may sit anywhere
     * in or after a step), also over ranges that start and end off any step.
     */
    @Test
    void findsTheSameFirstInvalidByteAsTheJdksStrictDecoderAtEveryOffset() {
        Random random = new Random(5);
        byte[] others = {(byte) 0xC3, (byte) 0xA9, (byte) 0xE2, (byte) 0x82, (byte) 0xAC, (byte) 0xF0, (byte) 0x9F,
                (byte) 0x98, (byte) 0x80, (byte) 0xC0, (byte) 0xED, (byte) 0xA0, (byte) 0xFF, (byte) 0xF5};
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[random.nextInt(40)];
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(12) == 0 ? others[random.nextInt(others.length)] : (byte) ('a' + random.nextInt(26));
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length);
            int to = from + random.nextInt(b.length - from + 1);
            assertThat(Utf8.firstInvalidByte(b, from, to)).as("round %d", round).isEqualTo(jdkFirstInvalid(b, from, to));
        }
    }

    private static int jdkFirstInvalid(byte[] b, int from, int to) {
        ByteBuffer in = ByteBuffer.wrap(b, from, to - from);
        CharBuffer out = CharBuffer.allocate(to - from + 1);
        CoderResult r = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(in, out, true);
        return r.isError() || (r.isUnderflow() && in.hasRemaining()) ? in.position() : -1;
    }

    @Test
    void modelRejectsInvalidValuesBuiltInCode() {
        assertThatThrownBy(() -> MetricEvent.query(1, "s", "n", null, Double.POSITIVE_INFINITY, false, 0))
                .hasMessage("duration_ms must be a finite number");
        assertThatThrownBy(() -> MetricEvent.request(1, "s", "n", null, 1, MetricEvent.NO_STATUS, null))
                .hasMessage("missing field \"status\"");
        assertThatThrownBy(() -> MetricEvent.scrape(1, "s", null, null, 1, false, 0))
                .hasMessage("missing field \"name\"");
    }

    // ---- ambiguous input: each decision in docs/events.md ("Decisions") -------------------------

    @Test
    void aKnownFieldTwiceIsRefusedEvenWhenOneIsNullButAnUnknownOneTwiceIsIgnored() {
        assertThatThrownBy(() -> codec.decode(request("\"ts\":1,\"ts\":2")))
                .hasMessage("duplicate field \"ts\"");
        assertThatThrownBy(() -> codec.decode(request("\"status\":200,\"status\":null")))
                .hasMessage("duplicate field \"status\"");
        assertThat(codec.decode(request("\"trace\":1,\"trace\":{\"a\":[1]}")).ts()).isEqualTo(1);
    }

    @Test
    void minusZeroIsZero() {
        assertThat(codec.decode(request("\"duration_ms\":-0")).durationNanos()).isZero();
        assertThat(codec.decode(request("\"duration_ms\":-0.0")).durationNanos()).isZero();
        assertThat(codec.decode(request("\"ts\":-0")).ts()).isZero();
    }

    @Test
    void aLeadingUtf8ByteOrderMarkIsSkipped() {
        byte[] json = request("").getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[json.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(json, 0, withBom, 3, json.length);
        assertThat(codec.decode(withBom)).isEqualTo(codec.decode(json));
    }

    @Test
    void anUnpairedSurrogateEscapeIsRefusedAndAPairIsOneCharacter() {
        assertThatThrownBy(() -> codec.decode(request("\"service\":\"ab\\ud800\"")))
                .hasMessage("service must not contain an unpaired surrogate (\\ud800 at character 3)");
        assertThatThrownBy(() -> codec.decode(request("\"name\":\"\\udc00x\"")))
                .hasMessage("name must not contain an unpaired surrogate (\\udc00 at character 1)");
        assertThat(codec.decode(request("\"service\":\"s\\ud83d\\ude00\"")).service()).isEqualTo("s\uD83D\uDE00");
    }

    @Test
    void controlCharactersMustBeEscapedAndThenOnlyNulIsRefused() {
        assertThatThrownBy(() -> codec.decode(request("\"service\":\"a\u0001b\"")))
                .hasMessageStartingWith("not valid JSON: Illegal unquoted character ((CTRL-CHAR, code 1))");
        assertThat(codec.decode(request("\"service\":\"a\\u0001b\"")).service()).isEqualTo("a\u0001b");
        assertThatThrownBy(() -> codec.decode(request("\"service\":\"a\\u0000b\"")))
                .hasMessage("service must not contain the NUL character (\\u0000)");
    }

    @Test
    void numbersBeyondTheirRangeAreRefusedNotRoundedAndNonNumbersAreNotJson() {
        assertThatThrownBy(() -> codec.decode(request("\"duration_ms\":1e400")))
                .hasMessage("duration_ms must be a finite number");
        assertThatThrownBy(() -> codec.decode(request("\"duration_ms\":1e300")))
                .hasMessage("duration_ms must be at most 86400000 (24 hours), got 1.0E300");
        assertThat(codec.decode(request("\"duration_ms\":86400000")).durationNanos()).isEqualTo(MetricEvent.MAX_DURATION_NANOS);
        assertThatThrownBy(() -> codec.decode(request("\"duration_ms\":NaN")))
                .hasMessageStartingWith("not valid JSON: Non-standard token 'NaN'");
        assertThatThrownBy(() -> codec.decode(request("\"duration_ms\":Infinity")))
                .hasMessageStartingWith("not valid JSON: Non-standard token 'Infinity'");
        assertThatThrownBy(() -> codec.decode(request("\"ts\":99999999999999999999")))
                .hasMessage("ts is out of range");
        assertThatThrownBy(() -> codec.decode(request("\"trace\":1" + "0".repeat(200))))
                .hasMessageStartingWith("not valid JSON: Number value length (201) exceeds the maximum allowed (100");
    }

    @Test
    void deepNestingIsRefusedAtTheLimitWithoutRecursionTrouble() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertThatThrownBy(() -> codec.decode(request("\"trace\":" + deep)))
                .hasMessageStartingWith("not valid JSON: Document nesting depth (65) exceeds the maximum allowed (64");
        String ok = "[".repeat(60) + "]".repeat(60);
        assertThat(codec.decode(request("\"trace\":" + ok)).ts()).isEqualTo(1);
    }

    @Test
    void emptyFieldNamesAndEmptyUnknownValuesAreIgnored() {
        assertThat(codec.decode(request("\"\":\"\",\"x\":null")).service()).isEqualTo("s");
    }

    /** A valid query event with one field replaced or added. */
    private static String query(String override) {
        return withOverride("{\"type\":\"query\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1", override);
    }

    /** A valid request event (status 200 unless overridden). */
    private static String request(String override) {
        String base = "{\"type\":\"request\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"duration_ms\":1";
        return withOverride(override.contains("\"status\"") ? base : base + ",\"status\":200", override);
    }

    private static String withOverride(String base, String override) {
        if (override.isEmpty()) {
            return base + "}";
        }
        String field = override.substring(0, override.indexOf(':') + 1);
        int at = base.indexOf(field);
        if (at < 0) {
            return base + "," + override + "}";
        }
        int end = base.indexOf(',', at);
        return base.substring(0, at) + override + (end < 0 ? "" : base.substring(end)) + "}";
    }
}
