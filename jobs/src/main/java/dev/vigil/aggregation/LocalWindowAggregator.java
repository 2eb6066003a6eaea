package dev.vigil.aggregation;

import dev.vigil.events.MetricEvent;
import dev.vigil.model.DeadLetter;
import dev.vigil.model.Decoded;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The local half of a local-global aggregation, chained to the Kafka source: folds each event into a
 * per-(series, window) accumulator of this subtask and sends the accumulators on instead of the events,
 * so what crosses the network is one partial per series and window, not one record per event.
 * {@link ServiceWindows} downstream merges the partials of all subtasks.
 *
 * <p>A partial leaves when this subtask's watermark passes its window's end, just before that watermark
 * is forwarded, so downstream it is never late; before each checkpoint barrier, so this operator has no
 * state to snapshot (the source rewinds to the barrier's offsets); when the subtask goes idle, so its
 * data does not wait while the rest of the job moves on; and when more than {@code maxBuffered} are
 * held or they take more than {@code maxBufferedBytes} of heap, which bounds memory in bytes whatever
 * the cardinality and however many durations each partial holds. Splitting a window into several
 * partials is harmless: merging is exact.
 *
 * <p>Lateness is judged here, against this subtask's watermark: an event whose window ended more than
 * the allowed lateness ago goes to the dead letters as {@code late}. A late event within the lateness
 * is a partial of its own window and updates that window's row. A late event's dead letter carries
 * the bytes it arrived as.
 */
public final class LocalWindowAggregator extends AbstractStreamOperator<SeriesWindow>
        implements OneInputStreamOperator<Decoded, SeriesWindow> {
    private static final long serialVersionUID = 1L;

    private final long windowSizeMs;
    private final long allowedLatenessMs;
    private final int maxBuffered;
    private final long maxBufferedBytes;
    private final OutputTag<DeadLetter> deadLetters;

    /** Open partials by window start, so a watermark flushes whole windows in order. */
    private transient TreeMap<Long, Map<SeriesKey, WindowAccumulator>> windows;
    private transient int buffered;
    /** Heap bytes of the open partials, about ({@link WindowAccumulator#footprintBytes()}, map entries and keys). */
    private transient long bufferedBytes;
    private transient long watermark;
    private transient StreamRecord<SeriesWindow> out;
    /** The window map of the last event: consecutive events mostly share a window. */
    private transient long lastStart;
    private transient Map<SeriesKey, WindowAccumulator> lastWindow;
    private transient Counter late;
    private transient RateLimitedLog lateLog;

    public LocalWindowAggregator(long windowSizeMs, long allowedLatenessMs, int maxBuffered, long maxBufferedBytes,
                                 OutputTag<DeadLetter> deadLetters) {
        this.windowSizeMs = windowSizeMs;
        this.allowedLatenessMs = allowedLatenessMs;
        this.maxBuffered = maxBuffered;
        this.maxBufferedBytes = maxBufferedBytes;
        this.deadLetters = deadLetters;
    }

    @Override
    public void open() throws Exception {
        super.open();
        windows = new TreeMap<>();
        watermark = Long.MIN_VALUE;
        out = new StreamRecord<>(null);
        late = getRuntimeContext().getMetricGroup().counter("eventsLate");
        lateLog = new RateLimitedLog(LoggerFactory.getLogger(LocalWindowAggregator.class));
    }

    @Override
    public void processElement(StreamRecord<Decoded> element) {
        MetricEvent event = element.getValue().event();
        long start = windowStart(event.ts(), windowSizeMs);
        // The same instant Flink's window operator drops a late element at.
        if (start + windowSizeMs - 1 + allowedLatenessMs <= watermark) {
            late.inc();
            if (lateLog.due()) {
                lateLog.warn("Late events sent to the dead-letter topic (their window closed more than the allowed "
                        + "lateness ago)", "latest: " + event.service() + " " + event.name() + " at ts " + event.ts()
                        + ", this subtask's watermark " + watermark);
            }
            output.collect(deadLetters, new StreamRecord<>(element.getValue().lateLetter(), element.getTimestamp()));
            return;
        }
        Map<SeriesKey, WindowAccumulator> window = windowOf(start);
        SeriesKey series = SeriesKey.of(event);
        WindowAccumulator acc = window.get(series);
        long before;
        if (acc == null) {
            acc = new WindowAccumulator();
            window.put(series, acc);
            buffered++;
            before = -entryBytes(series);
        } else {
            before = acc.footprintBytes();
        }
        acc.add(event);
        bufferedBytes += acc.footprintBytes() - before;
        if (buffered > maxBuffered || bufferedBytes > maxBufferedBytes) {
            flushUpTo(Long.MAX_VALUE);
        }
    }

    /**
     * What a partial takes besides its accumulator, about: a hash map entry, the key object and the key's
     * strings (Latin-1 bytes and headers; a series name can be long).
     */
    private static long entryBytes(SeriesKey series) {
        return 64 + 3 * 40L + series.type().length() + series.service().length() + series.name().length();
    }

    /** Start of the epoch-aligned tumbling window holding {@code ts}, as Flink's TumblingEventTimeWindows computes it. */
    static long windowStart(long ts, long windowSizeMs) {
        return ts - Math.floorMod(ts, windowSizeMs);
    }

    private Map<SeriesKey, WindowAccumulator> windowOf(long start) {
        if (lastWindow != null && lastStart == start) {
            return lastWindow;
        }
        Map<SeriesKey, WindowAccumulator> window = windows.computeIfAbsent(start, s -> new HashMap<>());
        lastStart = start;
        lastWindow = window;
        return window;
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        watermark = mark.getTimestamp();
        // Every window whose last instant the watermark has reached: on time or (late events) again.
        if (watermark == Long.MAX_VALUE) {
            flushUpTo(Long.MAX_VALUE);
        } else if (watermark >= Long.MIN_VALUE + windowSizeMs) {
            flushUpTo(watermark - windowSizeMs + 1);
        }
        super.processWatermark(mark);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (status.isIdle()) {
            flushUpTo(Long.MAX_VALUE);
        }
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flushUpTo(Long.MAX_VALUE);
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        flushUpTo(Long.MAX_VALUE);
        super.finish();
    }

    /** Emits and forgets the partials of every window starting at or before {@code lastStartIncluded}. */
    private void flushUpTo(long lastStartIncluded) {
        Iterator<Map.Entry<Long, Map<SeriesKey, WindowAccumulator>>> it =
                windows.headMap(lastStartIncluded, true).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Map<SeriesKey, WindowAccumulator>> window = it.next();
            long start = window.getKey();
            long end = start + windowSizeMs;
            for (Map.Entry<SeriesKey, WindowAccumulator> partial : window.getValue().entrySet()) {
                output.collect(out.replace(new SeriesWindow(partial.getKey(), start, end, partial.getValue()), end - 1));
                bufferedBytes -= entryBytes(partial.getKey()) + partial.getValue().footprintBytes();
            }
            buffered -= window.getValue().size();
            it.remove();
            if (window.getValue() == lastWindow) {
                lastWindow = null;
            }
        }
    }
}
