package dev.vigil.alerting;

/** Where one silence rule stands for one series. A Flink POJO kept in keyed state per (rule, series). */
public final class SilenceState {
    public String rule;
    public String type;
    public String service;
    public String name;
    public long lastWindowStart = Long.MIN_VALUE;
    public long lastWindowEnd;
    public boolean firing;
    /** The pending timers, so they can be moved when the series reports again; MIN_VALUE: none. */
    public long eventTimer = Long.MIN_VALUE;
    public long processingTimer = Long.MIN_VALUE;

    public SilenceState() {
    }
}
