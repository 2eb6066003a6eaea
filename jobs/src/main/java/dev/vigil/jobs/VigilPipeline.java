package dev.vigil.jobs;

import dev.vigil.aggregation.AggregationPipeline;
import dev.vigil.aggregation.AggregationSettings;
import dev.vigil.alerting.AlertingPipeline;
import dev.vigil.alerting.SlaRules;
import dev.vigil.model.AlertEvent;
import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import dev.vigil.model.MetricWindow;
import dev.vigil.model.SloStatus;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

import java.util.List;

/**
 * The whole Vigil graph between one input and its output ports, with no adapter in it: the job wires in
 * Kafka, PostgreSQL and Redis ({@link VigilJob#ports}); tests and benchmarks wire in bounded in-memory
 * input and collecting sinks.
 *
 * <pre>
 * input ─► aggregation ─► window rows ─┬─► keyBy(primary key) ─► windows port
 *              │                        └─► alerting ─► alert transitions (SLA rules, SLOs) ─► alerts ports
 *              │                                       └─► SLO status rows ─► keyBy(primary key) ─► slo-status port
 *              ├─► hourly and daily rows ─► keyBy(primary key) ─► rollups port
 *              └─► invalid and late records ─► dead-letters port
 * </pre>
 */
public final class VigilPipeline {

    /** The pipeline's outputs: where window rows, their hourly and daily rollups, alert transitions, SLO status rows and dead letters go. */
    public record Ports(OutputPort<MetricWindow> windows, OutputPort<MetricWindow> rollups,
                        List<OutputPort<AlertEvent>> alerts, OutputPort<SloStatus> sloStatus,
                        OutputPort<DeadLetter> deadLetters) {
        public Ports {
            alerts = List.copyOf(alerts);
        }
    }

    /** The streams the graph produced, each already connected to its port. */
    public record Streams(DataStream<MetricWindow> windows, DataStream<MetricWindow> rollups,
                          DataStream<AlertEvent> alerts, DataStream<SloStatus> sloStatus,
                          DataStream<DeadLetter> deadLetters) {
    }

    private VigilPipeline() {
    }

    /**
     * @param input decoded records with event-time timestamps and watermarks assigned (for Kafka, per
     *              partition inside the source: {@link VigilJob#kafkaInput})
     */
    public static Streams build(DataStream<Decoded> input, AggregationSettings aggregation, SlaRules rules,
                                Ports ports) {
        AggregationPipeline.Outputs outputs = AggregationPipeline.build(input, aggregation);

        // Every version of a row through one sink subtask, newest last: the upsert that lands last wins.
        outputs.windows()
                .keyBy(MetricWindow::primaryKey, TypeInformation.of(String.class))
                .sinkTo(ports.windows().sink())
                .uid(ports.windows().uid()).name(ports.windows().name());
        outputs.rollups()
                .keyBy(MetricWindow::primaryKey, TypeInformation.of(String.class))
                .sinkTo(ports.rollups().sink())
                .uid(ports.rollups().uid()).name(ports.rollups().name());
        outputs.deadLetters()
                .sinkTo(ports.deadLetters().sink())
                .uid(ports.deadLetters().uid()).name(ports.deadLetters().name());

        AlertingPipeline.Outputs alerting = AlertingPipeline.build(outputs.windows(), rules, aggregation.allowedLatenessMs());
        DataStream<AlertEvent> alerts = alerting.alerts();
        for (OutputPort<AlertEvent> port : ports.alerts()) {
            alerts.sinkTo(port.sink()).uid(port.uid()).name(port.name());
        }
        alerting.sloStatus()
                .keyBy(SloStatus::primaryKey, TypeInformation.of(String.class))
                .sinkTo(ports.sloStatus().sink())
                .uid(ports.sloStatus().uid()).name(ports.sloStatus().name());
        return new Streams(outputs.windows(), outputs.rollups(), alerts, alerting.sloStatus(), outputs.deadLetters());
    }
}
