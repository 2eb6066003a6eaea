package dev.vigil.jobs;

import dev.vigil.aggregation.LatencyHistogram;
import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import dev.vigil.model.MetricWindow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Exact expected values, computed from the raw events with sorting: what the job must approximate. */
final class Oracle {

    /** Exact facts about one window of one series (or rollup). */
    static final class Expected {
        final String type;
        final String service;
        final String name;
        final long windowStart;
        long count;
        long errors;
        long hits;
        long misses;
        private final List<Double> durations = new ArrayList<>();
        private double[] sorted;

        Expected(String type, String service, String name, long windowStart) {
            this.type = type;
            this.service = service;
            this.name = name;
            this.windowStart = windowStart;
        }

        void add(MetricEvent e) {
            count++;
            if (e.error()) {
                errors++;
            }
            if (e.type() == EventType.CACHE) {
                if (e.hit()) {
                    hits++;
                } else {
                    misses++;
                }
            }
            if (e.hasDuration()) {
                durations.add(e.durationMs());
            }
            sorted = null;
        }

        double[] sorted() {
            if (sorted == null) {
                sorted = durations.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            }
            return sorted;
        }

        /** Exact nearest-rank quantile; NaN without durations. */
        double quantile(double q) {
            double[] s = sorted();
            return s.length == 0 ? Double.NaN : s[(int) LatencyHistogram.nearestRank(q, s.length) - 1];
        }

        double mean() {
            return Arrays.stream(sorted()).average().orElse(Double.NaN);
        }

        String key() {
            return Oracle.key(type, service, name, windowStart);
        }
    }

    private Oracle() {
    }

    static String key(String type, String service, String name, long windowStart) {
        return type + "/" + service + "/" + name + "@" + windowStart;
    }

    static String key(MetricWindow w) {
        return key(w.type(), w.service(), w.name(), w.windowStart());
    }

    /** Expected rows: one per window and series, plus the {@code '*'} rollup per (type, service) and window. */
    static Map<String, Expected> expect(List<MetricEvent> events, long windowMs) {
        Map<String, Expected> out = new HashMap<>();
        for (MetricEvent e : events) {
            long start = e.ts() - Math.floorMod(e.ts(), windowMs);
            for (String name : new String[] {e.name(), MetricWindow.ROLLUP_NAME}) {
                Expected x = new Expected(e.type().wireName(), e.service(), name, start);
                out.computeIfAbsent(x.key(), k -> x).add(e);
            }
        }
        return out;
    }
}
