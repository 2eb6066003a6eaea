package dev.vigil.events;

/**
 * Hands out one shared {@code String} per distinct text for fields that take few distinct values
 * (service, name, instance, method): decoding then allocates no string for them, and the strings keep
 * their hash code, so keying a map by them later costs no rehash of the characters.
 *
 * <p>Direct-mapped: a slot holds the last string that hashed to it, so a colliding or unbounded field
 * (ids in names) only costs a miss, never memory. Not thread-safe: one per decoding thread.
 */
final class StringCache {
    /** Longer texts are not worth comparing character by character against a cached one. */
    private static final int MAX_CACHED_LENGTH = 128;

    private final String[] slots;
    private final int mask;

    StringCache(int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, got " + slots);
        }
        this.slots = new String[slots];
        this.mask = slots - 1;
    }

    String get(char[] chars, int offset, int length) {
        if (length > MAX_CACHED_LENGTH) {
            return new String(chars, offset, length);
        }
        int h = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            h = 31 * h + chars[i]; // String.hashCode's own formula, so a hit compares hashes first
        }
        int slot = (h ^ (h >>> 16)) & mask;
        String cached = slots[slot];
        if (cached != null && cached.hashCode() == h && sameText(cached, chars, offset, length)) {
            return cached;
        }
        String s = new String(chars, offset, length);
        slots[slot] = s;
        return s;
    }

    private static boolean sameText(String s, char[] chars, int offset, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
