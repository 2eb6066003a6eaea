package dev.vigil.alerting;

/** How bad a breach is. Ordered: CRITICAL is worse than WARNING. */
public enum Severity {
    WARNING,
    CRITICAL;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
