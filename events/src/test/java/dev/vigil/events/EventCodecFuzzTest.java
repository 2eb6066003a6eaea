package dev.vigil.events;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Fuzzes the v1 decoder with Jazzer (coverage-guided, libFuzzer for the JVM). For every record value,
 * whatever its bytes:
 *
 * <ul>
 *   <li>decoding returns an event or throws the codec's own {@link InvalidEventException} with a reason:
 *       never another exception, never a hang;</li>
 *   <li>it allocates no more than the size limit implies: a bounded multiple of the bytes it reads (at
 *       most 64 KiB of them), never in proportion to what a hostile value claims;</li>
 *   <li>a value it accepts survives {@code decode(encode(e)) == e}.</li>
 * </ul>
 *
 * <p>The corpus of interesting inputs is kept in {@code src/test/resources/dev/vigil/events/
 * EventCodecFuzzTestInputs/anyValueIsDecodedOrRejectedInWords}, one file each (truncated JSON, deep
 * nesting, duplicate keys, {@code 1e400}, {@code -0}, {@code NaN}, a BOM, lone surrogates, control
 * characters, empty and null values, …). Every test run replays them (Jazzer's regression mode). With
 * {@code JAZZER_FUZZ=1} Jazzer mutates them for {@code jazzer.max_duration}: {@code ./mvnw verify} does
 * so for 60 s (the events module's {@code fuzz} execution); for a longer run:
 * {@code JAZZER_FUZZ=1 ./mvnw -pl events test -Dtest=EventCodecFuzzTest -Djazzer.max_duration=30m}.
 * A finding is written next to the corpus as {@code crash-…}: fix it and keep the file, renamed.
 */
class EventCodecFuzzTest {

    /** Bytes decoding may allocate per byte it reads, beyond a fixed allowance. */
    static final long ALLOCATION_PER_INPUT_BYTE = 16;
    /**
     * The fixed allowance. While fuzzing, Jazzer's comparison hooks allocate on the decoding thread too,
     * and Jackson's field-name table fills with the fuzzer's names (a child table copies up to ~1.2 MB of
     * it per record that brings a new name; Jackson caps it at 6,000 names): there the allowance is wide
     * and catches only allocations that grow with what a value claims. Replaying the corpus (every test
     * run) holds decoding to 256 KiB plus 16 bytes per byte read.
     */
    static final long ALLOCATION_ALLOWANCE = System.getenv("JAZZER_FUZZ") == null ? 256 * 1024 : 32 * 1024 * 1024;
    static final long HANG_NANOS = 5_000_000_000L;

    private static final EventCodec CODEC = new EventCodec();

    @FuzzTest(maxDuration = "60s")
    void anyValueIsDecodedOrRejectedInWords(byte[] value) {
        check(value);
    }

    @Test
    void valuesOverTheSizeLimitAreRefusedUnreadWhateverTheyHold() {
        byte[] huge = new byte[1024 * 1024];
        Arrays.fill(huge, (byte) '[');
        check(huge);
        byte[] hugeValid = ("{\"type\":\"cache\",\"ts\":1,\"service\":\"s\",\"name\":\"n\",\"hit\":true,\"pad\":\""
                + "x".repeat(1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(check(hugeValid)).isEqualTo("value is 1048644 bytes, over the 65536-byte limit");
    }

    /**
     * Valid events with arbitrary field values, including any Unicode text v1 can store, survive the round
     * trip. Seeded: a failure names the seed and the event.
     */
    @Test
    void everyValidEventSurvivesTheRoundTrip() {
        long seed = 20261201L;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 100_000; i++) {
            MetricEvent event = randomEvent(random);
            byte[] encoded = CODEC.encode(event);
            assertThat(check(encoded)).as("event %d of seed %d", i, seed).isEqualTo(event);
        }
    }

    /** Decodes {@code value} under the properties; returns the event or the reason it was refused. */
    static Object check(byte[] value) {
        // Measured on a second decode of the same value: the first in a thread also builds its thread's
        // string cache and Jackson's buffers, once per thread, not per value.
        decodeOrReason(value);
        long allocatedBefore = allocatedBytes();
        long started = System.nanoTime();
        Object outcome = decodeOrReason(value);
        long nanos = System.nanoTime() - started;
        long allocated = allocatedBytes() - allocatedBefore;

        assertThat(nanos).as("decoding %d bytes took %d ms", value.length, nanos / 1_000_000).isLessThan(HANG_NANOS);
        long read = Math.min(value.length, EventCodec.MAX_VALUE_BYTES);
        assertThat(allocated).as("bytes allocated decoding %s", show(value))
                .isLessThanOrEqualTo(ALLOCATION_ALLOWANCE + ALLOCATION_PER_INPUT_BYTE * read);
        if (outcome instanceof MetricEvent event) {
            assertThat(CODEC.decode(CODEC.encode(event))).as("round trip of " + show(value)).isEqualTo(event);
        } else {
            assertThat((String) outcome).as("reason for " + show(value)).isNotBlank();
        }
        return outcome;
    }

    private static Object decodeOrReason(byte[] value) {
        try {
            return CODEC.decode(value);
        } catch (InvalidEventException e) {
            return e.reason();
        } catch (RuntimeException | StackOverflowError e) {
            return fail("decoding " + show(value) + " threw " + e, e);
        }
    }

    static MetricEvent randomEvent(SplittableRandom r) {
        EventType type = EventType.values()[r.nextInt(EventType.values().length)];
        long ts = r.nextBoolean() ? r.nextLong(0, Long.MAX_VALUE) : r.nextLong(1_600_000_000_000L, 1_900_000_000_000L);
        long nanos = switch (r.nextInt(4)) {
            case 0 -> r.nextLong(0, MetricEvent.MAX_DURATION_NANOS + 1);
            case 1 -> r.nextLong(0, 10_000_000_000L);
            case 2 -> r.nextLong(0, 1_000);
            default -> type.requiresDuration() ? 0 : MetricEvent.NO_DURATION;
        };
        long count = r.nextBoolean() ? MetricEvent.NO_COUNT : r.nextLong(0, Long.MAX_VALUE);
        CacheLevel level = r.nextInt(3) == 0 ? null : CacheLevel.values()[r.nextInt(CacheLevel.values().length)];
        return MetricEvent.of(type, ts, text(r, 1, 128), text(r, 1, 256), r.nextBoolean() ? null : text(r, 1, 40), nanos,
                r.nextBoolean(), r.nextInt(MetricEvent.MIN_STATUS, MetricEvent.MAX_STATUS + 1),
                r.nextBoolean() ? null : text(r, 1, 10), count, r.nextBoolean(), level);
    }

    /** Text v1 can store: any code point but NUL and lone surrogates, from every plane, escapes included. */
    static String text(SplittableRandom r, int min, int max) {
        int length = r.nextInt(min, Math.min(max, 24) + 1);
        StringBuilder s = new StringBuilder(length);
        while (s.codePointCount(0, s.length()) < length) {
            int cp = switch (r.nextInt(4)) {
                case 0 -> r.nextInt(1, 0x80);           // ASCII, control characters and quotes included
                case 1 -> r.nextInt(0x80, 0x800);
                case 2 -> r.nextInt(0x800, 0x10000);
                default -> r.nextInt(0x10000, 0x110000);
            };
            if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                s.appendCodePoint(cp);
            }
        }
        return s.toString();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static String show(byte[] value) {
        String text = new String(value, 0, Math.min(value.length, 300), StandardCharsets.UTF_8);
        return value.length + " bytes: " + text.replace("\n", "\\n");
    }
}
