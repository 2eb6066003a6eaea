package dev.vigil.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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

    /** {@code firing} (for firing and escalated) or {@code resolved}: the alert's status as Alertmanager says it. */
    public String status() {
        return RESOLVED.equals(event) ? RESOLVED : FIRING;
    }

    /** The alert series' stable id: see {@link #fingerprint(String, String, String, String)}. */
    public String fingerprint() {
        return fingerprint(rule, type, service, name);
    }

    /**
     * Same rule and series, same fingerprint, in every run: the first 16 hex digits of SHA-256 over rule,
     * type, service and name joined by NUL bytes (schema v7 fills older rows with the same formula).
     */
    public static String fingerprint(String rule, String type, String service, String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(CompositeKey.of(rule, type, service, name).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
