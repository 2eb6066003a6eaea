package dev.vigil.jobs;

import dev.vigil.events.MetricEvent;
import dev.vigil.model.Decoded;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WatermarksTest {
    static final long NOW = Instant.parse("2026-12-01T12:00:00Z").toEpochMilli();

    /** A clock the test moves. */
    static final class SettableClock extends Clock {
        long millis;

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    static final class Recorder implements WatermarkOutput {
        final List<Long> marks = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            marks.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
        }

        @Override
        public void markActive() {
        }

        long last() {
            return marks.get(marks.size() - 1);
        }
    }

    @Test
    void behindTheClockItIsFlinksBoundedOutOfOrderness() {
        SettableClock clock = new SettableClock();
        clock.millis = NOW;
        Watermarks.ClockBounded generator = new Watermarks.ClockBounded(5_000, clock);
        Recorder out = new Recorder();
        generator.onPeriodicEmit(out);
        assertThat(out.last()).as("nothing seen yet").isEqualTo(Long.MIN_VALUE);
        generator.onEvent(event(NOW - 60_000), NOW - 60_000, out);
        generator.onEvent(event(NOW - 90_000), NOW - 90_000, out);
        generator.onPeriodicEmit(out);
        assertThat(out.last()).isEqualTo(NOW - 60_000 - 5_000 - 1);
    }

    @Test
    void anEventAheadOfTheClockMovesTheWatermarkOnlyAsTheClockGetsThere() {
        SettableClock clock = new SettableClock();
        clock.millis = NOW;
        Watermarks.ClockBounded generator = new Watermarks.ClockBounded(0, clock);
        Recorder out = new Recorder();
        generator.onEvent(event(NOW + 300_000), NOW + 300_000, out);  // a clock 5 minutes fast
        generator.onPeriodicEmit(out);
        assertThat(out.last()).isEqualTo(NOW - 1);
        clock.millis = NOW + 120_000;
        generator.onPeriodicEmit(out);
        assertThat(out.last()).isEqualTo(NOW + 120_000 - 1);
        clock.millis = NOW + 600_000;
        generator.onPeriodicEmit(out);
        assertThat(out.last()).as("the clock has passed it: the event time leads again").isEqualTo(NOW + 300_000 - 1);
    }

    @Test
    void theRuleNeverOverflows() {
        assertThat(Watermarks.watermark(Long.MIN_VALUE, NOW, 5_000)).isEqualTo(Long.MIN_VALUE);
        assertThat(Watermarks.watermark(Long.MIN_VALUE + 10, NOW, 5_000)).isEqualTo(Long.MIN_VALUE);
        assertThat(Watermarks.watermark(Long.MAX_VALUE, NOW, 0)).isEqualTo(NOW - 1);
        assertThat(Watermarks.forDecoded(Duration.ofSeconds(5), Clock.systemUTC(), Duration.ofSeconds(30))).isNotNull();
    }

    static Decoded event(long ts) {
        return Decoded.valid(MetricEvent.request(ts, "svc", "GET /x", null, 1, 200, "GET"));
    }
}
