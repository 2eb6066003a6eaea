package dev.vigil.events;

/** Which level of a two-level cache answered: L1 (in-process) or L2 (shared). */
public enum CacheLevel {
    L1,
    L2;

    /** The level for a wire value, or {@code null} if it is neither {@code L1} nor {@code L2}. */
    public static CacheLevel fromWireName(String name) {
        return switch (name) {
            case "L1" -> L1;
            case "L2" -> L2;
            default -> null;
        };
    }
}
