package dev.vigil.demo;

/**
 * One scripted incident: while it lasts, one series of one simulated service misbehaves enough to
 * breach a default SLA rule at critical level.
 *
 * @param rule    the default rule it should fire
 * @param service the series' service
 * @param name    the series' name
 */
public record Incident(String title, String rule, String type, String service, String name, long startMs, long endMs) {

    public boolean activeAt(long epochMs) {
        return epochMs >= startMs && epochMs < endMs;
    }
}
