package dev.vigil.jobs;

import dev.vigil.model.Decoded;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/** Event-time watermarks for the decoded stream: bounded out-of-orderness, idle partitions skipped. */
public final class Watermarks {
    private Watermarks() {
    }

    public static WatermarkStrategy<Decoded> forDecoded(PipelineConfig cfg) {
        return WatermarkStrategy.<Decoded>forBoundedOutOfOrderness(cfg.outOfOrderness())
                // Invalid records carry Long.MIN_VALUE: they never advance event time.
                .withTimestampAssigner((record, kafkaTimestamp) -> record.eventTime())
                .withIdleness(cfg.idleTimeout());
    }
}
