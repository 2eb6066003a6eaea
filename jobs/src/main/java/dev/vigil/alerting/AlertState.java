package dev.vigil.alerting;

/**
 * Where one rule stands for one series. A Flink POJO (public fields, no-arg constructor), kept in
 * keyed state per (rule, series) and cleared when the series goes quiet.
 */
public final class AlertState {

    public enum Status { OK, PENDING, FIRING }

    public Status status = Status.OK;
    /** Severity of the firing alert, or the worst level seen while pending. */
    public Severity severity;
    /** Consecutive breaching windows (pending) and consecutive passing windows (firing). */
    public int breaches;
    public int passes;
    /** Start of the first window of the current breach. */
    public long startedAt;
    /** Windows up to this start have been judged; a later re-fire of one of them is ignored. */
    public long lastJudgedWindowStart = Long.MIN_VALUE;
    public long lastWindowStart;
    public long lastWindowEnd;
    /** The pending quiet timer; {@link Long#MIN_VALUE} when none is set. */
    public long quietTimer = Long.MIN_VALUE;
    /**
     * When the series counts as quiet, from its latest window: the timer, when it fires earlier, is set
     * again for this instant.
     */
    public long quietAt = Long.MIN_VALUE;

    public AlertState() {
    }
}
