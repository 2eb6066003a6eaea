package dev.vigil.aggregation;

import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes valid events on (with their original bytes, for a late event's dead letter) and sends invalid
 * records to the dead-letter side output, counting both and logging the invalid ones at most every 30 s.
 */
public final class RouteInvalid extends ProcessFunction<Decoded, Decoded> {
    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(RouteInvalid.class);

    private final OutputTag<DeadLetter> deadLetters;
    private transient Counter decoded;
    private transient Counter invalid;
    private transient RateLimitedLog invalidLog;

    public RouteInvalid(OutputTag<DeadLetter> deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public void open(OpenContext openContext) {
        decoded = getRuntimeContext().getMetricGroup().counter("eventsDecoded");
        invalid = getRuntimeContext().getMetricGroup().counter("eventsInvalid");
        invalidLog = new RateLimitedLog(LOG);
    }

    @Override
    public void processElement(Decoded record, Context ctx, Collector<Decoded> out) {
        if (record.isValid()) {
            decoded.inc();
            out.collect(record);
        } else {
            invalid.inc();
            if (invalidLog.due()) {
                invalidLog.warn("Invalid records sent to the dead-letter topic", "latest: " + record.reason());
            }
            ctx.output(deadLetters, record.deadLetter());
        }
    }
}
