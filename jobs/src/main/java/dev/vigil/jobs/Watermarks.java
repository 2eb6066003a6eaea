package dev.vigil.jobs;

import dev.vigil.model.Decoded;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;

/**
 * Event-time watermarks for the decoded stream: bounded out-of-orderness, idle partitions skipped, and
 * <b>never ahead of the clock</b>.
 *
 * <p>Why the clock: a watermark follows the newest event time seen, so one record stamped ahead of the
 * others moves event time for its whole partition, and every ordinary event after it is late. Events
 * further ahead than the allowed skew never get here (the decoder refuses them); within the skew, the
 * newest event time counts only up to the processing clock. An event stamped 5 minutes ahead is kept
 * and counted in its own window, which closes when the clock gets there, while events stamped with the
 * right time stay on time. Replays of the past are untouched: their event time is behind the clock.
 */
public final class Watermarks {
    private Watermarks() {
    }

    public static WatermarkStrategy<Decoded> forDecoded(PipelineConfig cfg) {
        return forDecoded(cfg.outOfOrderness(), Clock.systemUTC(), cfg.idleTimeout());
    }

    static WatermarkStrategy<Decoded> forDecoded(Duration outOfOrderness, Clock clock, Duration idleTimeout) {
        long bound = outOfOrderness.toMillis();
        return WatermarkStrategy.<Decoded>forGenerator(ctx -> new ClockBounded(bound, clock))
                // Invalid records carry Long.MIN_VALUE: they never advance event time.
                .withTimestampAssigner((record, kafkaTimestamp) -> record.eventTime())
                .withIdleness(idleTimeout);
    }

    /**
     * The watermark after events up to {@code maxTimestamp} when the clock reads {@code nowMs}: the
     * newest event time, but no later than the clock, less the out-of-orderness (and 1 ms, as Flink's
     * bounded out-of-orderness does: a watermark t means no more events at t or before).
     */
    public static long watermark(long maxTimestamp, long nowMs, long outOfOrdernessMs) {
        long newest = Math.min(maxTimestamp, nowMs);
        return newest < Long.MIN_VALUE + outOfOrdernessMs + 1 ? Long.MIN_VALUE : newest - outOfOrdernessMs - 1;
    }

    /** Flink's bounded out-of-orderness generator, with the newest event time held to the clock. */
    static final class ClockBounded implements WatermarkGenerator<Decoded>, Serializable {
        private static final long serialVersionUID = 1L;

        private final long outOfOrdernessMs;
        private final Clock clock;
        private long maxTimestamp = Long.MIN_VALUE;

        ClockBounded(long outOfOrdernessMs, Clock clock) {
            this.outOfOrdernessMs = outOfOrdernessMs;
            this.clock = clock;
        }

        @Override
        public void onEvent(Decoded record, long timestamp, WatermarkOutput output) {
            maxTimestamp = Math.max(maxTimestamp, timestamp);
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(watermark(maxTimestamp, clock.millis(), outOfOrdernessMs)));
        }
    }
}
