package dev.vigil.bench.pipeline;

import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many records the Kafka sources of a local cluster have handed to their jobs so far, while the job
 * runs: the sum of the Kafka source's per-partition {@code currentOffset} gauges (the offset of the last
 * record a reader passed on), which a metric reporter the benchmark adds to the cluster's configuration
 * collects. A {@link Watch} samples it to find the moments a run passed given fractions of its input, so
 * a rate can be taken over an interval that starts after the run's start-up and warm-up and ends before
 * its last windows are flushed.
 *
 * <p>One run at a time: the gauges are kept in a static map that {@link #watch} clears.
 */
public final class SourceProgress implements MetricReporter {

    private static final String REPORTER = "vigil-bench-progress";
    private static final String OFFSET_GAUGE = "currentOffset";
    private static final String KAFKA_SOURCE_GROUP = "KafkaSourceReader";
    /** Live gauges by metric identifier (one per subtask and partition). */
    private static final Map<String, Gauge<?>> LIVE = new ConcurrentHashMap<>();
    /** The last value of gauges whose reader has finished (its metric group closed). */
    private static final Map<String, Long> FINISHED = new ConcurrentHashMap<>();

    /** The cluster settings that add this reporter. */
    public static Configuration flinkSettings() {
        Configuration conf = new Configuration();
        conf.set(ConfigOptions.key("metrics.reporter." + REPORTER + ".factory.class").stringType().noDefaultValue(),
                Factory.class.getName());
        return conf;
    }

    /** Starts sampling the records read, every {@code periodMillis}; clears what earlier runs left. */
    static Watch watch(long periodMillis) {
        LIVE.clear();
        FINISHED.clear();
        return new Watch(periodMillis);
    }

    /** Records handed on so far, by every source reader of the running job. */
    static long recordsRead() {
        long sum = 0;
        for (Gauge<?> g : LIVE.values()) {
            sum += next(g.getValue());
        }
        for (long v : FINISHED.values()) {
            sum += v;
        }
        return sum;
    }

    /** The gauge holds the last record's offset (-1 before the first): the records read from offset 0. */
    private static long next(Object offset) {
        return offset instanceof Number n && n.longValue() >= 0 ? n.longValue() + 1 : 0;
    }

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
        String id = group.getMetricIdentifier(metricName);
        if (OFFSET_GAUGE.equals(metricName) && metric instanceof Gauge<?> g && id.contains(KAFKA_SOURCE_GROUP)) {
            LIVE.put(id, g);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String metricName, MetricGroup group) {
        String id = group.getMetricIdentifier(metricName);
        Gauge<?> g = LIVE.remove(id);
        if (g != null) {
            FINISHED.put(id, next(g.getValue()));
        }
    }

    /** Flink finds the reporter through this factory (named in {@link #flinkSettings}, listed in META-INF/services). */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new SourceProgress();
        }
    }

    /** A thread that samples {@link #recordsRead()} with its time until {@link #stop}. */
    static final class Watch {
        private final List<long[]> samples = new ArrayList<>();
        private final long startNanos = System.nanoTime();
        private final Thread thread;
        private volatile boolean stopped;

        private Watch(long periodMillis) {
            thread = new Thread(() -> {
                while (!stopped) {
                    sample();
                    try {
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-source-progress");
            thread.setDaemon(true);
            thread.start();
        }

        private void sample() {
            long records = recordsRead();
            long at = System.nanoTime() - startNanos;
            synchronized (samples) {
                samples.add(new long[] {at, records});
            }
        }

        /** Stops sampling; the samples stay. */
        Watch stop() throws InterruptedException {
            stopped = true;
            thread.interrupt();
            thread.join();
            sample();
            return this;
        }

        /**
         * Seconds after the watch started at which {@code records} had been read, interpolated between the
         * two samples around it; NaN if the run never got there.
         */
        double secondsAt(long records) {
            synchronized (samples) {
                long[] before = null;
                for (long[] s : samples) {
                    if (s[1] >= records) {
                        if (before == null || s[1] == before[1]) {
                            return s[0] / 1e9;
                        }
                        double share = (double) (records - before[1]) / (s[1] - before[1]);
                        return (before[0] + share * (s[0] - before[0])) / 1e9;
                    }
                    before = s;
                }
                return Double.NaN;
            }
        }

        /** Records per second between the moments {@code from} and {@code to} of {@code total} records were read. */
        double rate(long total, double from, double to) {
            long a = Math.round(total * from);
            long b = Math.round(total * to);
            return (b - a) / (secondsAt(b) - secondsAt(a));
        }
    }
}
