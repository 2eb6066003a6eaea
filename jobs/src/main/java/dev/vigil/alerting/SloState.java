package dev.vigil.alerting;

/**
 * Where one SLO stands for one series: its counts over the period and its alert. A Flink POJO (public
 * fields, no-arg constructor), kept in keyed state per (SLO, series) and cleared once the series has
 * sent nothing for a whole period.
 */
public final class SloState {
    public BurnWindows windows;
    public String slo;
    public String type;
    public String service;
    public String name;
    /** Severity of the firing alert; null while none fires. */
    public Severity firing;
    /** The tier that decided the firing alert (index into the SLO's tiers). */
    public int tier;
    public long startedAt;
    public long lastWindowStart;
    public long lastWindowEnd;
    /** The pending quiet timer; when it fires after newer windows it is set again from {@link #lastWindowEnd}. */
    public long quietTimer = Long.MIN_VALUE;

    public SloState() {
    }
}
