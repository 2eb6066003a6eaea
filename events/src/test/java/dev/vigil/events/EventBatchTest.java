package dev.vigil.events;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class EventBatchTest {
    static final long T = 1_763_900_000_123L;

    /** What a read hands to its sink, in order. */
    static final class Collected implements EventBatch.Sink {
        final List<MetricEvent> events = new ArrayList<>();
        final List<byte[]> validAlone = new ArrayList<>();
        final List<byte[]> invalidValues = new ArrayList<>();
        final List<String> reasons = new ArrayList<>();
        final List<Object> order = new ArrayList<>();

        @Override
        public void event(MetricEvent event, EventBatch.Alone alone) {
            events.add(event);
            order.add(event);
            validAlone.add(alone.value());
        }

        @Override
        public void invalid(byte[] value, String reason) {
            invalidValues.add(value);
            reasons.add(reason);
            order.add(reason);
        }
    }

    static Collected read(byte[] value) {
        Collected c = new Collected();
        EventBatch.read(value, c);
        return c;
    }

    static List<MetricEvent> sample(String instance) {
        return List.of(
                MetricEvent.request(T, "checkout", "GET /cart/{id}", instance, 12.5, 200, null),
                MetricEvent.request(T - 40, "checkout", "GET /cart/{id}", instance, 0.000_001, 503, null),
                MetricEvent.request(T + 7, "checkout", "POST /pay", instance, 86_400_000, 201, null, true),
                MetricEvent.query(T + 1, "checkout", "SELECT cart", instance, 3.2, false, 12),
                MetricEvent.query(T + 2, "checkout", "SELECT cart", instance, 0, true, MetricEvent.NO_COUNT),
                MetricEvent.cache(T + 3, "checkout", "plan_catalog", instance, true, CacheLevel.L1, Double.NaN, false),
                MetricEvent.cache(T + 3, "checkout", "plan_catalog", instance, false, CacheLevel.L2, 0.25, true),
                MetricEvent.cache(T + 4, "checkout", "sessions", instance, false, null, Double.NaN, false),
                MetricEvent.scrape(T + 100_000, "checkout", "twitter", instance, 4100, true, 0),
                MetricEvent.scrape(0, "checkout", "grüße 🚀", instance, 1, false, MetricEvent.NO_COUNT));
    }

    static byte[] batch(String instance, List<MetricEvent> events) {
        EventBatch.Writer w = new EventBatch.Writer("checkout", instance);
        events.forEach(w::add);
        return w.finish();
    }

    @Test
    void everyKindOfEventSurvivesTheRoundTripInOrder() {
        for (String instance : new String[] {null, "checkout-1"}) {
            List<MetricEvent> sent = sample(instance);
            Collected got = read(batch(instance, sent));
            assertThat(got.reasons).isEmpty();
            assertThat(got.events).containsExactlyElementsOf(sent);
            for (int i = 0; i < sent.size(); i++) {
                assertThat(read(got.validAlone.get(i)).events).as("event %d alone", i).containsExactly(sent.get(i));
            }
        }
    }

    @Test
    void theBatchIsSmallAndEachNameIsWrittenOnce() {
        EventBatch.Writer w = new EventBatch.Writer("checkout", "checkout-1");
        for (int i = 0; i < 1000; i++) {
            w.add(MetricEvent.request(T + i / 10, "checkout", i % 2 == 0 ? "GET /cart/{id}" : "POST /pay", null,
                    1 + i % 50, 200, null));
        }
        byte[] value = w.finish();
        // flags, name index, ts delta: a byte each; duration in nanoseconds 4; status 2 (v1 JSON: about 150)
        assertThat(value.length).as("about 10 bytes an event").isLessThan(1000 * 11);
        assertThat(read(value).events).hasSize(1000);
        assertThat(new EventCodec().decodeRecord(value)).hasSize(1000);
    }

    @Test
    void theWriterStartsAfreshAfterEachBatch() {
        EventBatch.Writer w = new EventBatch.Writer("checkout", null);
        List<MetricEvent> first = sample(null).subList(0, 4);
        List<MetricEvent> second = sample(null).subList(4, 10);
        first.forEach(w::add);
        byte[] a = w.finish();
        assertThat(w.size()).isZero();
        second.forEach(w::add);
        byte[] b = w.finish();
        assertThat(read(a).events).containsExactlyElementsOf(first);
        assertThat(read(b).events).containsExactlyElementsOf(second);
        assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFullWriterStaysUnderTheValueLimitWhateverTheNames() {
        EventBatch.Writer w = new EventBatch.Writer("checkout", "i");
        int n = 0;
        while (!w.isFull()) {
            String name = ("€" + n).repeat(200).substring(0, MetricEvent.MAX_NAME_LENGTH); // a new 256-char name each
            w.add(MetricEvent.request(T, "checkout", name, null, 1, 200, null));
            n++;
        }
        w.add(MetricEvent.request(T, "checkout", "é".repeat(256), null, MetricEvent.MAX_DURATION_MS, 599, null));
        byte[] value = w.finish();
        assertThat(value.length).isLessThanOrEqualTo(EventCodec.MAX_VALUE_BYTES);
        assertThat(read(value).events).hasSize(n + 1);
    }

    @Test
    void aBadEventGoesAloneWithItsReasonAndTheOthersAreKept() {
        EventBatch.Writer w = new EventBatch.Writer("checkout", "checkout-1");
        MetricEvent good = MetricEvent.request(T, "checkout", "GET /a", "checkout-1", 1, 200, null);
        w.add(good);
        w.add((byte) EventType.REQUEST.ordinal(), T + 1, "GET /b", 2_000_000, false, 600, false, (byte) -1, 0);
        w.add((byte) EventType.QUERY.ordinal(), T + 2, "x".repeat(257), 1, false, 0, false, (byte) -1, 5);
        w.add((byte) EventType.REQUEST.ordinal(), T + 3, "GET /c", MetricEvent.NO_DURATION, false, 200, false, (byte) -1, 0);
        w.add(good);
        Collected got = read(w.finish());

        assertThat(got.events).containsExactly(good, good);
        assertThat(got.reasons).containsExactly(
                "status must be between 100 and 599, got 600",
                "name must be 1-256 characters, got 257",
                "missing field \"duration_ms\"");
        assertThat(got.order.get(0)).isEqualTo(good);
        assertThat(got.order.get(4)).isEqualTo(good);
        // Each dead letter is a batch of its one event: read again, it gives the same reason and nothing else.
        for (int i = 0; i < 3; i++) {
            Collected alone = read(got.invalidValues.get(i));
            assertThat(alone.events).isEmpty();
            assertThat(alone.reasons).containsExactly(got.reasons.get(i));
        }
    }

    @Test
    void eventRulesAreTheV1Rules() {
        assertThat(invalidAlone(w -> w.add((byte) 2, T, "c", MetricEvent.NO_DURATION, false, 0, true, (byte) -1, 0)))
                .as("a cache access needs no duration").isNull();
        assertThat(invalidAlone(w -> w.add((byte) 0, T, "a\u0000b", 1, false, 200, false, (byte) -1, 0)))
                .isEqualTo("name must not contain the NUL character (\\u0000)");
        assertThat(invalidAlone(w -> w.add((byte) 0, T, "a\ud800", 1, false, 200, false, (byte) -1, 0)))
                .as("the writer encodes a lone surrogate as '?'; a reader sees bytes, not chars").isNull();
        assertThat(invalidAlone(w -> w.add((byte) 0, T, "a", MetricEvent.MAX_DURATION_NANOS + 1, false, 200, false, (byte) -1, 0)))
                .isEqualTo("duration_ms must be at most 86400000 (24 hours), got 86400000000001 ns");
    }

    private static String invalidAlone(java.util.function.Consumer<EventBatch.Writer> add) {
        EventBatch.Writer w = new EventBatch.Writer("s", null);
        add.accept(w);
        Collected got = read(w.finish());
        return got.reasons.isEmpty() ? null : got.reasons.get(0);
    }

    @Test
    void aNegativeTimeOrAHugeNumberIsTheEventsProblemNotTheBatchs() {
        // base_ts 5, then an event 6 ms before it: ts -1
        byte[] value = hand(5, 0, "a", new int[] {0x10 | 0, 0, 11, 1, 0xC8, 0x01}); // request, name 0, zigzag(-6)=11, duration 1, status 200
        Collected got = read(value);
        assertThat(got.reasons).containsExactly("ts must be >= 0, got -1");
        assertThat(got.invalidValues.get(0)).isEqualTo(value);
        // a duration of 2^64 - 1 ns (varint of ten bytes)
        int[] tenBytes = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
        int[] event = new int[3 + 10 + 2];
        event[0] = 0x10;
        event[1] = 0;
        event[2] = 0;
        System.arraycopy(tenBytes, 0, event, 3, 10);
        event[13] = 0xC8;
        event[14] = 0x01;
        assertThat(read(hand(5, 0, "a", event)).reasons)
                .containsExactly("duration_ms must be at most 86400000 (24 hours), got 18446744073709551615 ns");
    }

    /** A batch of one event, service "s", no instance, one name, the event's bytes as given. */
    static byte[] hand(int baseTs, int unused, String name, int[] eventBytes) {
        List<Integer> out = new ArrayList<>(List.of(0x00, (int) 'V', (int) 'B', 1, 1, (int) 's', 0, baseTs, 1, name.length()));
        for (char c : name.toCharArray()) {
            out.add((int) c);
        }
        out.add(1);
        for (int b : eventBytes) {
            out.add(b);
        }
        byte[] value = new byte[out.size()];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (int) out.get(i);
        }
        return value;
    }

    @Test
    void aRecordBrokenAsAWholeIsRefusedBeforeAnyEventIsOut() {
        byte[] good = batch("i", sample("i"));
        // every truncation
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            Collected c = new Collected();
            assertThatThrownBy(() -> EventBatch.read(cut, c)).as("cut at %d", n).isInstanceOf(InvalidEventException.class);
            assertThat(c.order).isEmpty();
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> read(trailing)).hasMessageStartingWith("unexpected data after the last event, at byte ");
        byte[] v2 = good.clone();
        v2[3] = 2;
        assertThatThrownBy(() -> read(v2)).hasMessage("batch version 2 is not supported (expected 1)");
        assertThatThrownBy(() -> read(hand(5, 0, "a", new int[] {0x10, 1, 0, 1, 0xC8, 0x01})))
                .hasMessage("event 0 refers to name 1, but the batch has 1");
        assertThatThrownBy(() -> read(hand(5, 0, "a", new int[] {0x90, 0, 0, 1, 0xC8, 0x01})))
                .hasMessage("event 0 sets the reserved flag bit 7");
        byte[] noService = {0x00, 'V', 'B', 1, 0, 0, 5, 1, 1, 'a', 1, 0x02, 0, 0};
        assertThatThrownBy(() -> read(noService)).hasMessage("service must be 1-128 characters, got 0");
        byte[] badUtf8Service = {0x00, 'V', 'B', 1, 1, (byte) 0xC0, 0, 5, 1, 1, 'a', 1, 0x02, 0, 0};
        assertThatThrownBy(() -> read(badUtf8Service)).hasMessage("invalid UTF-8 at byte 5");
        byte[] claims = {0x00, 'V', 'B', 1, 1, 's', 0, 5, 1, 1, 'a', (byte) 0xFF, (byte) 0xFF, 0x03, 0x02, 0, 0};
        assertThatThrownBy(() -> read(claims)).hasMessage("batch is truncated: it claims 65535 events in 3 bytes");
        assertThatThrownBy(() -> read(new byte[EventCodec.MAX_VALUE_BYTES + 1]))
                .hasMessage("value is 65537 bytes, over the 65536-byte limit");
    }

    @Test
    void anInvalidNameFailsOnlyTheEventsThatUseIt() {
        // names: "a", then the two bytes C0 80 (an overlong NUL)
        byte[] value = {0x00, 'V', 'B', 1, 1, 's', 0, 5, 2, 1, 'a', 2, (byte) 0xC0, (byte) 0x80, 2,
                0x02, 1, 0, // cache, name 1
                0x02, 0, 0}; // cache, name 0
        Collected got = read(value);
        assertThat(got.reasons).containsExactly("invalid UTF-8 at byte 12");
        assertThat(got.events).extracting(MetricEvent::name).containsExactly("a");
    }

    @Test
    void randomDamageIsAlwaysRefusedInWordsNeverThrownOtherwise() {
        byte[] good = batch("checkout-1", sample("checkout-1"));
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 50_000; round++) {
            byte[] damaged = good.clone();
            int changes = 1 + random.nextInt(4);
            for (int k = 0; k < changes; k++) {
                damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(8) == 0) {
                damaged = Arrays.copyOf(damaged, random.nextInt(damaged.length + 8));
            }
            try {
                Collected c = read(damaged);
                assertThat(c.events.size() + c.reasons.size()).isPositive();
                for (byte[] alone : c.invalidValues) {
                    assertThat(read(alone).reasons).hasSize(1);
                }
            } catch (InvalidEventException expected) {
                assertThat(expected.reason()).isNotBlank();
            } catch (RuntimeException e) {
                fail("damaged batch " + Arrays.toString(damaged) + " threw " + e, e);
            }
        }
    }

    @Test
    void theFirstByteTellsTheFormats() {
        assertThat(EventBatch.isBatch(batch(null, sample(null)))).isTrue();
        assertThat(EventBatch.isBatch("{\"type\":\"cache\"}".getBytes())).isFalse();
        assertThat(EventBatch.isBatch(new byte[0])).isFalse();
        assertThat(EventBatch.isBatch(null)).isFalse();
        MetricEvent one = sample(null).get(0);
        assertThat(new EventCodec().decodeRecord(new EventCodec().encode(one))).containsExactly(one);
    }

    @Test
    void theExampleInTheDocsIsWhatTheWriterWrites() {
        EventBatch.Writer w = new EventBatch.Writer("checkout", "checkout-1");
        w.add(MetricEvent.request(T, "checkout", "GET /cart/{id}", "checkout-1", 12.5, 200, null));
        w.add(MetricEvent.request(T + 40, "checkout", "POST /pay", "checkout-1", 2, 503, null));
        String docs = "00 56 42 01 | 08 63 68 65 63 6b 6f 75 74 | 0a 63 68 65 63 6b 6f 75 74 2d 31 | fb 8e 88 85 ab 33"
                + " | 02 0e 47 45 54 20 2f 63 61 72 74 2f 7b 69 64 7d 09 50 4f 53 54 20 2f 70 61 79 | 02"
                + " | 10 00 00 a0 f8 fa 05 c8 01 | 14 01 50 80 89 7a f7 03"; // docs/events.md, "Batch format"
        StringBuilder hex = new StringBuilder();
        for (byte b : w.finish()) {
            hex.append(hex.length() == 0 ? "" : " ").append(String.format("%02x", b));
        }
        assertThat(hex.toString()).isEqualTo(docs.replace(" |", ""));
    }
}
