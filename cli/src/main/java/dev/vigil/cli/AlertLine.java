package dev.vigil.cli;

import dev.vigil.model.AlertEvent;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** One readable line per alert, as {@code vigil alerts} and {@code vigil demo} print them. */
final class AlertLine {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private AlertLine() {
    }

    /**
     * {@code 2026-11-23T19:00:10Z CRITICAL firing    request-p95  checkout request GET /cart/{id}  p95_ms=612.3 > 500  window 19:00:00-19:00:10}
     */
    static String format(AlertEvent a) {
        // A firing or escalating value breaches its threshold, so the side it is on gives the comparison.
        // A silence: "silence=300 for 300" (seconds without events, for the rule's for), "silence=990 after 300" on return.
        String comparison = a.metric().equals("silence") ? (a.event().equals(AlertEvent.RESOLVED) ? "after" : "for")
                : a.event().equals(AlertEvent.RESOLVED) ? "vs" : (a.value() < a.threshold() ? "<" : ">");
        return String.format(Locale.ROOT, "%s %-8s %-9s %-20s %s %s %s  %s=%s %s %s  window %s-%s",
                Instant.ofEpochMilli(a.windowEnd()), a.severity().toUpperCase(Locale.ROOT), a.event(), a.rule(),
                a.service(), a.type(), a.name(), a.metric(), number(a.value()), comparison, number(a.threshold()),
                TIME.format(Instant.ofEpochMilli(a.windowStart())), TIME.format(Instant.ofEpochMilli(a.windowEnd())));
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "no-data";
        }
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
