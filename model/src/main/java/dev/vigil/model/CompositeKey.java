package dev.vigil.model;

/**
 * Joins the parts of a composite key into one string, for Flink's {@code keyBy}, state keys and ids.
 *
 * <p>The separator is the NUL character: no part can contain it (the event codec rejects a service or
 * name with NUL, and PostgreSQL text could not store one), so two different part lists never join to
 * the same key.
 */
public final class CompositeKey {
    private static final char SEPARATOR = '\u0000';

    private CompositeKey() {
    }

    public static String of(String first, String... rest) {
        StringBuilder key = new StringBuilder(64).append(first);
        for (String part : rest) {
            key.append(SEPARATOR).append(part);
        }
        return key.toString();
    }
}
