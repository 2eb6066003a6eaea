package dev.vigil.dashboard;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The services' rows ({@code name = '*'}) of each window start that {@code /api/services} read, kept in
 * the server, so that an overview over the last 24 hours reads again only what changed since: the
 * newest minutes, and an hour or day that late data re-fired. Without it, every overview took 3.5 M
 * bucket numbers out of 23 hourly rows per service (2 s on the fleet of {@code vigil bench sql}).
 *
 * <p><b>Never stale</b>: every use first asks PostgreSQL, per window start of the range, for the number of
 * rows, the sum of their counts and the sum of their {@code updated_at} (every write of a row sets it to
 * {@code now()}). An insert or delete changes the first, an update the last (also one from a transaction
 * that began before the previous check), so a window start whose three numbers are unchanged holds the
 * rows read last time; the others are read again.
 *
 * <p><b>Bounded</b>: past {@code maxNumbers} histogram numbers (8 bytes each), the window starts used
 * longest ago are dropped.
 */
final class ServiceWindowCache {

    /** The default bound: 8 M histogram numbers, 64 MB (24 hours of the bench's 100-service fleet take ~40%). */
    static final long DEFAULT_MAX_NUMBERS = 8_000_000;

    /** One service's row of one type and window start: its counters and its histogram, packed. */
    record Part(String type, String service, long events, long errors, Long hits, Long misses, long[] latency) {
    }

    private record Key(String table, Instant windowStart) {
    }

    /** What a window start's rows were when they were read: their number, summed counts and summed updated_at. */
    private record Version(long rows, long events, String updatedAtSum) {
    }

    private static final class Entry {
        final Version version;
        final List<Part> parts;
        final long numbers;
        volatile long lastUsed;

        Entry(Version version, List<Part> parts) {
            this.version = version;
            this.parts = parts;
            long n = 0;
            for (Part p : parts) {
                n += p.latency().length;
            }
            this.numbers = n + 1; // an empty window start still takes room
        }
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong numbers = new AtomicLong();
    private final AtomicLong uses = new AtomicLong();
    private final long maxNumbers;

    ServiceWindowCache(long maxNumbers) {
        if (maxNumbers < 1) {
            throw new IllegalArgumentException("maxNumbers must be positive, not " + maxNumbers);
        }
        this.maxNumbers = maxNumbers;
    }

    /** The services' rows of {@code table} whose window starts in [from, to), read again only where they changed. */
    List<Part> parts(Connection c, String table, Instant from, Instant to) throws SQLException {
        Map<Instant, Version> current = versions(c, table, from, to);
        List<Instant> stale = new ArrayList<>();
        List<Part> parts = new ArrayList<>();
        long use = uses.incrementAndGet();
        for (Map.Entry<Instant, Version> w : current.entrySet()) {
            Entry e = entries.get(new Key(table, w.getKey()));
            if (e != null && e.version.equals(w.getValue())) {
                e.lastUsed = use;
                parts.addAll(e.parts);
            } else {
                stale.add(w.getKey());
            }
        }
        if (!stale.isEmpty()) {
            Map<Instant, List<Part>> read = read(c, table, stale);
            for (Instant start : stale) {
                // Read after the versions: if a row changed in between, the next use sees a new version.
                List<Part> rows = read.getOrDefault(start, List.of());
                Entry e = new Entry(current.get(start), rows);
                e.lastUsed = use;
                Entry old = entries.put(new Key(table, start), e);
                numbers.addAndGet(e.numbers - (old == null ? 0 : old.numbers));
                parts.addAll(rows);
            }
            evictBeyondBound();
        }
        return parts;
    }

    /** Histogram numbers held now. */
    long numbers() {
        return numbers.get();
    }

    private synchronized void evictBeyondBound() {
        if (numbers.get() <= maxNumbers) {
            return;
        }
        List<Map.Entry<Key, Entry>> byUse = new ArrayList<>(entries.entrySet());
        byUse.sort(Comparator.comparingLong(e -> e.getValue().lastUsed));
        for (Map.Entry<Key, Entry> e : byUse) {
            if (numbers.get() <= maxNumbers) {
                return;
            }
            if (entries.remove(e.getKey(), e.getValue())) {
                numbers.addAndGet(-e.getValue().numbers);
            }
        }
    }

    private static Map<Instant, Version> versions(Connection c, String table, Instant from, Instant to) throws SQLException {
        Map<Instant, Version> out = new HashMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT window_start, count(*), sum(count), "
                + "sum(extract(epoch FROM updated_at))::text FROM " + table
                + " WHERE window_start >= ? AND window_start < ? AND name = '*' GROUP BY window_start")) {
            st.setTimestamp(1, Timestamp.from(from));
            st.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getTimestamp(1).toInstant(), new Version(rs.getLong(2), rs.getLong(3), rs.getString(4)));
                }
            }
        }
        return out;
    }

    /** The services' rows of these window starts of {@code table}, by window start. */
    private static Map<Instant, List<Part>> read(Connection c, String table, List<Instant> starts) throws SQLException {
        Timestamp[] at = new Timestamp[starts.size()];
        Instant first = starts.get(0);
        Instant last = first;
        for (int i = 0; i < at.length; i++) {
            Instant s = starts.get(i);
            at[i] = Timestamp.from(s);
            first = s.isBefore(first) ? s : first;
            last = s.isAfter(last) ? s : last;
        }
        Map<Instant, List<Part>> out = new HashMap<>();
        // The bounds let PostgreSQL skip other partitions; the array picks the window starts.
        try (PreparedStatement st = c.prepareStatement("SELECT window_start, type, service, count, errors, hits, misses, "
                + "latency_hist::text FROM " + table
                + " WHERE window_start >= ? AND window_start <= ? AND window_start = ANY (?) AND name = '*'")) {
            Array array = c.createArrayOf("timestamptz", at);
            st.setTimestamp(1, Timestamp.from(first));
            st.setTimestamp(2, Timestamp.from(last));
            st.setArray(3, array);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long hits = rs.getLong("hits");
                    Long hitsOrNull = rs.wasNull() ? null : hits;
                    long misses = rs.getLong("misses");
                    Long missesOrNull = rs.wasNull() ? null : misses;
                    Part p = new Part(rs.getString("type"), rs.getString("service"), rs.getLong("count"), rs.getLong("errors"),
                            hitsOrNull, missesOrNull, parseBigintArray(rs.getString("latency_hist")));
                    out.computeIfAbsent(rs.getTimestamp("window_start").toInstant(), k -> new ArrayList<>()).add(p);
                }
            } finally {
                array.free();
            }
        }
        return out;
    }

    /**
     * A {@code bigint[]} in PostgreSQL's text form ({@code {1,2,3}}; NULL: none). pgjdbc's own
     * {@code getArray} boxes every element, several times the cost of reading the digits here.
     */
    static long[] parseBigintArray(String text) {
        if (text == null || text.length() <= 2) {
            return new long[0];
        }
        if (text.charAt(0) != '{' || text.charAt(text.length() - 1) != '}') {
            throw new IllegalArgumentException("not a one-dimensional bigint[]: " + abbreviate(text));
        }
        int n = 1;
        for (int i = 1; i < text.length() - 1; i++) {
            n += text.charAt(i) == ',' ? 1 : 0;
        }
        long[] out = new long[n];
        int k = 0;
        long value = 0;
        boolean negative = false;
        boolean digits = false;
        for (int i = 1; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch >= '0' && ch <= '9') {
                value = value * 10 + (ch - '0');
                digits = true;
            } else if (ch == '-' && !digits) {
                negative = true;
            } else if ((ch == ',' || ch == '}') && digits) {
                out[k++] = negative ? -value : value;
                value = 0;
                negative = false;
                digits = false;
            } else {
                throw new IllegalArgumentException("not a one-dimensional bigint[] without NULLs: " + abbreviate(text));
            }
        }
        return out;
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }
}
