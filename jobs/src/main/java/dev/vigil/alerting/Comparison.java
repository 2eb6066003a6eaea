package dev.vigil.alerting;

/** How a metric breaches: above its thresholds (latency, error rate) or below them (hit rate). */
public enum Comparison {
    ABOVE(">"),
    BELOW("<");

    private final String symbol;

    Comparison(String symbol) {
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }

    public boolean breaches(double value, double threshold) {
        return this == ABOVE ? value > threshold : value < threshold;
    }

    /** {@code >}, {@code above}, {@code <}, {@code below}; null if none of these. */
    static Comparison parse(String s) {
        return switch (s) {
            case ">", "above" -> ABOVE;
            case "<", "below" -> BELOW;
            default -> null;
        };
    }
}
