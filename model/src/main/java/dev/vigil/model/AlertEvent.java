package dev.vigil.model;



/**
 * One alert transition: a rule's series started firing, escalated from warning to critical, or
 * resolved. The same fields go into the {@code alerts} table and onto Redis.
 *
 * @param alertId     deterministic: the same rule, series, window and event always give the same id,
 *                    so a replay after a failure writes the same row and subscribers can drop repeats
 * @param event       {@code firing}, {@code escalated} or {@code resolved}
 * @param severity    {@code warning} or {@code critical}; for {@code resolved}, the severity it had
 * @param value       the metric's value in the window that caused the transition (NaN: no data)
 * @param threshold   the threshold it was compared with
 * @param windowStart epoch ms of the window that caused the transition
 * @param startedAt   epoch ms the alert's breach began (start of its first breaching window)
 */
public record AlertEvent(
        String alertId,
        String event,
        String rule,
        String severity,
        String type,
        String service,
        String name,
        String metric,
        double value,
        double threshold,
        long windowStart,
        long windowEnd,
        long startedAt,
        String summary) {

    public static final String FIRING = "firing";
    public static final String ESCALATED = "escalated";
    public static final String RESOLVED = "resolved";
}
