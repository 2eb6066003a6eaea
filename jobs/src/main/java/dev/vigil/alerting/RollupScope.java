package dev.vigil.alerting;

/** Whether a rule judges the {@code name = '*'} rollup rows, the per-name rows, or both. */
public enum RollupScope {
    /** Every row the name patterns match, the rollup included (default). */
    INCLUDE,
    /** Only per-name rows. */
    EXCLUDE,
    /** Only the rollup of each (type, service). */
    ONLY
}
