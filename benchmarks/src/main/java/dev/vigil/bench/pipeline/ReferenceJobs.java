package dev.vigil.bench.pipeline;

import dev.vigil.events.MetricEvent;
import dev.vigil.testing.CollectingSink;
import dev.vigil.jobs.PipelineConfig;
import dev.vigil.jobs.VigilJob;
import dev.vigil.model.CompositeKey;
import dev.vigil.model.Decoded;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/** The three references the benchmark runs next to the real job, each on the same topic. */
final class ReferenceJobs {
    private ReferenceJobs() {
    }

    /** The same bounded source and watermarks as the real job (the benchmark's config is bounded). */
    static DataStream<Decoded> source(StreamExecutionEnvironment env, PipelineConfig cfg) {
        return VigilJob.kafkaInput(env, cfg);
    }

    /** The limit: read and decode every record, nothing else. */
    static void decodeOnly(StreamExecutionEnvironment env, PipelineConfig cfg) {
        source(env, cfg).sinkTo(new DiscardingSink<>()).name("Discard");
    }

    /** Same keyed windows, every value kept in window state and sorted at the end. */
    static void naive(StreamExecutionEnvironment env, PipelineConfig cfg, CollectingSink<WindowStats> sink) {
        source(env, cfg)
                .filter(Decoded::isValid)
                .map(Decoded::event, TypeInformation.of(MetricEvent.class))
                .keyBy(e -> CompositeKey.of(e.type().wireName(), e.service(), e.name()), TypeInformation.of(String.class))
                .window(TumblingEventTimeWindows.of(cfg.window()))
                .process(new NaivePercentiles(), TypeInformation.of(WindowStats.class))
                .sinkTo(sink);
    }

    /** What a Flink user would write instead: Kafka table, JSON format, TUMBLE windows, PERCENTILE. */
    static void flinkSql(StreamExecutionEnvironment env, PipelineConfig cfg, CollectingSink<WindowStats> sink) {
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.executeSql("""
                CREATE TABLE events (
                  `type` STRING, ts BIGINT, service STRING, name STRING, duration_ms DOUBLE,
                  error BOOLEAN, status INT, hit BOOLEAN,
                  event_time AS TO_TIMESTAMP_LTZ(ts, 3),
                  WATERMARK FOR event_time AS event_time - INTERVAL '%d' SECOND
                ) WITH (
                  'connector' = 'kafka',
                  'topic' = '%s',
                  'properties.bootstrap.servers' = '%s',
                  'properties.group.id' = '%s',
                  'scan.startup.mode' = 'earliest-offset',
                  'scan.bounded.mode' = 'latest-offset',
                  'format' = 'json',
                  'json.ignore-parse-errors' = 'true',
                  'json.fail-on-missing-field' = 'false'
                )""".formatted(cfg.outOfOrderness().toSeconds(), cfg.eventsTopic(), cfg.kafka(), cfg.groupId() + "-sql"));
        Table result = tables.sqlQuery("""
                SELECT `type`, service, name, window_start, COUNT(*) AS cnt,
                       SUM(CASE WHEN COALESCE(error, status >= 500, FALSE) THEN 1 ELSE 0 END) AS errors,
                       SUM(CASE WHEN hit THEN 1 ELSE 0 END) AS hits,
                       PERCENTILE(duration_ms, 0.5) AS p50,
                       PERCENTILE(duration_ms, 0.95) AS p95,
                       PERCENTILE(duration_ms, 0.99) AS p99
                FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(event_time), INTERVAL '%d' SECOND))
                GROUP BY `type`, service, name, window_start, window_end""".formatted(cfg.window().toSeconds()));
        tables.toDataStream(result)
                .map(ReferenceJobs::fromRow, TypeInformation.of(WindowStats.class))
                .sinkTo(sink);
    }

    private static WindowStats fromRow(Row r) {
        long windowStart = ((java.time.LocalDateTime) r.getField("window_start"))
                .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
        return new WindowStats(WindowStats.key((String) r.getField("type"), (String) r.getField("service"),
                (String) r.getField("name"), windowStart), (Long) r.getField("cnt"), number(r.getField("errors")),
                number(r.getField("hits")), new double[] {dbl(r.getField("p50")), dbl(r.getField("p95")), dbl(r.getField("p99"))},
                null, null);
    }

    private static long number(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }

    private static double dbl(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }
}
