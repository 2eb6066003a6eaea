package dev.vigil.events;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The batch record format: many events of one service and instance in one Kafka record value, in a
 * compact binary layout (see {@code docs/events.md}, "Batch format"). The agent sends it because
 * every Kafka record costs its producer far more than the few bytes of an event; v1 JSON records stay
 * valid for every other producer, and the job reads both.
 *
 * <pre>
 * value   = magic 0x00 'V' 'B', version 0x01, service, instance, base_ts, names, events
 * string  = varint byte length, UTF-8 bytes           (instance: length 0 = none)
 * base_ts = varint, epoch milliseconds
 * names   = varint N >= 1, then N strings            (the events' names, each once)
 * events  = varint M >= 1, then M events
 * event   = flags, varint name index, zigzag varint ts - base_ts,
 *           [varint duration in nanoseconds]         (if flags bit 4)
 *           [varint status]                          (request)
 *           [varint count + 1, 0 = none]             (query: rows, scraper: items)
 * flags   = bits 0-1 type (request, query, cache, scraper), bit 2 error, bit 3 hit,
 *           bit 4 duration present, bits 5-6 cache level (0 none, 1 L1, 2 L2), bit 7 reserved (0)
 * </pre>
 *
 * <p>Varints are unsigned LEB128 (Protocol Buffers' encoding), at most 10 bytes. No JSON text starts
 * with a NUL byte, so the first byte tells the two formats apart.
 */
public final class EventBatch {

    /** The first three bytes of every batch value; a v1 value (JSON text) never starts with NUL. */
    static final byte[] MAGIC = {0x00, 'V', 'B'};
    public static final int VERSION = 1;
    static final int HEADER_BYTES = MAGIC.length + 1;

    static final int TYPE_MASK = 0b11;
    static final int ERROR = 1 << 2;
    static final int HIT = 1 << 3;
    static final int HAS_DURATION = 1 << 4;
    static final int LEVEL_SHIFT = 5;
    static final int LEVEL_MASK = 0b11 << LEVEL_SHIFT;
    static final int RESERVED = 1 << 7;

    private static final EventType[] TYPES = EventType.values();
    private static final CacheLevel[] LEVELS = CacheLevel.values();

    private EventBatch() {
    }

    /** Whether a record value is in the batch format (by its first byte; the rest is checked when read). */
    public static boolean isBatch(byte[] value) {
        return value != null && value.length > 0 && value[0] == MAGIC[0];
    }

    /** Receives a batch's events in order: each valid one, and each invalid one as a batch of its own. */
    public interface Sink {
        /**
         * @param alone the event alone as {@link #invalid} would get it, built only when asked for (by a
         *              reader that refuses a valid event for its own reasons, such as its time); valid
         *              during this call only
         */
        void event(MetricEvent event, Alone alone);

        /**
         * @param value  the invalid event alone: the bytes that arrived with every other event left out
         *               (a valid batch value of one event), for the dead-letter topic
         * @param reason what is wrong, in words
         */
        void invalid(byte[] value, String reason);
    }

    /** The event being handed to {@link Sink#event}, alone. */
    public interface Alone {
        /** The bytes that arrived with every other event left out: a valid batch value of this one event. */
        byte[] value();
    }

    /**
     * Reads a batch value. The whole record is checked first: a record that is broken as a whole
     * (truncated, a bad header, an unknown version, a name index out of range, bytes after the last
     * event) throws {@link InvalidEventException} before any event reaches the sink. Then every event
     * is judged alone by the v1 rules: a valid one goes to {@link Sink#event}, an invalid one with its
     * reason to {@link Sink#invalid}, and the events around it are unaffected.
     */
    public static void read(byte[] value, Sink sink) {
        if (value == null) {
            throw new InvalidEventException("value is null");
        }
        if (value.length > EventCodec.MAX_VALUE_BYTES) {
            throw new InvalidEventException(
                    "value is " + value.length + " bytes, over the " + EventCodec.MAX_VALUE_BYTES + "-byte limit");
        }
        new Reader(value).read(sink);
    }

    /** One pass over the structure, then one over the events; allocates in proportion to the bytes only. */
    private static final class Reader implements Alone {
        private final byte[] b;
        private int pos;
        private int eventStart;

        private String service;
        private String instance;
        private long baseTs;
        private int namesCount;
        /** Start offset and byte length of each name, as pairs. */
        private int[] nameRanges;
        private int namesEnd;
        private int eventsCount;
        private int eventsStart;

        Reader(byte[] b) {
            this.b = b;
        }

        void read(Sink sink) {
            readHeader();
            checkEvents();
            readEvents(sink);
        }

        private void readHeader() {
            if (b.length < HEADER_BYTES || b[0] != MAGIC[0] || b[1] != MAGIC[1] || b[2] != MAGIC[2]) {
                throw new InvalidEventException("not a Vigil batch: it does not start with 0x00 'V' 'B'");
            }
            int version = b[3] & 0xFF;
            if (version != VERSION) {
                throw new InvalidEventException("batch version " + version + " is not supported (expected " + VERSION + ")");
            }
            pos = HEADER_BYTES;
            service = string("service");
            String checked = MetricEvent.checkedText("service", service, MetricEvent.MAX_SERVICE_LENGTH);
            if (checked != null) {
                throw new InvalidEventException(checked);
            }
            String named = string("instance");
            instance = named.isEmpty() ? null : named;
            baseTs = varint("base_ts");
            if (baseTs < 0) {
                throw new InvalidEventException("base_ts is out of range");
            }
            namesCount = count("names", 1);
            nameRanges = new int[namesCount * 2];
            for (int i = 0; i < namesCount; i++) {
                int length = length("name " + i);
                nameRanges[2 * i] = pos;
                nameRanges[2 * i + 1] = length;
                pos += length;
            }
            namesEnd = pos;
            eventsCount = count("events", 3);
            eventsStart = pos;
        }

        /** Walks every event's fields without judging them, so a broken record fails before any event is out. */
        private void checkEvents() {
            for (int i = 0; i < eventsCount; i++) {
                int flags = flags(i);
                long nameIndex = varint("event " + i + " name");
                if (nameIndex < 0 || nameIndex >= namesCount) {
                    throw new InvalidEventException("event " + i + " refers to name " + nameIndex
                            + ", but the batch has " + namesCount);
                }
                varint("event " + i + " ts");
                if ((flags & HAS_DURATION) != 0) {
                    varint("event " + i + " duration");
                }
                EventType type = TYPES[flags & TYPE_MASK];
                if (type == EventType.REQUEST) {
                    varint("event " + i + " status");
                }
                if (type == EventType.QUERY || type == EventType.SCRAPER) {
                    varint("event " + i + " count");
                }
            }
            if (pos != b.length) {
                throw new InvalidEventException("unexpected data after the last event, at byte " + pos);
            }
        }

        private void readEvents(Sink sink) {
            String[] names = new String[namesCount];
            String[] nameProblems = new String[namesCount];
            boolean[] nameRead = new boolean[namesCount];
            pos = eventsStart;
            for (int i = 0; i < eventsCount; i++) {
                int start = pos;
                int flags = b[pos++] & 0xFF;
                int nameIndex = (int) varint(null);
                long delta = zigzagDecode(varint(null));
                boolean hasDuration = (flags & HAS_DURATION) != 0;
                long duration = hasDuration ? varint(null) : MetricEvent.NO_DURATION;
                EventType type = TYPES[flags & TYPE_MASK];
                long status = type == EventType.REQUEST ? varint(null) : MetricEvent.NO_STATUS;
                long count = type == EventType.QUERY || type == EventType.SCRAPER ? varint(null) : 0;
                if (!nameRead[nameIndex]) {
                    nameRead[nameIndex] = true;
                    readName(nameIndex, names, nameProblems);
                }
                String problem = nameProblems[nameIndex];
                MetricEvent event = null;
                if (problem == null) {
                    try {
                        event = event(type, flags, names[nameIndex], delta, hasDuration, duration, status, count);
                    } catch (InvalidEventException e) {
                        problem = e.reason();
                    }
                }
                if (event != null) {
                    eventStart = start;
                    sink.event(event, this);
                } else {
                    sink.invalid(alone(start, pos), problem);
                }
            }
        }

        private void readName(int index, String[] names, String[] problems) {
            int start = nameRanges[2 * index];
            int length = nameRanges[2 * index + 1];
            int bad = Utf8.firstInvalidByte(b, start, start + length);
            if (bad >= 0) {
                problems[index] = "invalid UTF-8 at byte " + bad;
                return;
            }
            String name = new String(b, start, length, StandardCharsets.UTF_8);
            problems[index] = MetricEvent.checkedText("name", name, MetricEvent.MAX_NAME_LENGTH);
            names[index] = name;
        }

        private MetricEvent event(EventType type, int flags, String name, long delta, boolean hasDuration,
                                  long duration, long status, long count) {
            long ts;
            try {
                ts = Math.addExact(baseTs, delta);
            } catch (ArithmeticException e) {
                throw new InvalidEventException("ts is out of range");
            }
            if (hasDuration && (duration < 0 || duration > MetricEvent.MAX_DURATION_NANOS)) {
                // an unsigned varint beyond 2^63 reads as negative: it is too long, not negative
                throw new InvalidEventException("duration_ms must be at most " + MetricEvent.MAX_DURATION_MS
                        + " (24 hours), got " + Long.toUnsignedString(duration) + " ns");
            }
            if (type == EventType.REQUEST && !MetricEvent.isValidStatus(status)) {
                throw MetricEvent.invalidStatus(status < 0 ? Long.MAX_VALUE : status);
            }
            String countName = type == EventType.QUERY ? "rows" : "items";
            if (count < 0) {
                throw new InvalidEventException(countName + " is out of range");
            }
            long n = count == 0 ? MetricEvent.NO_COUNT : count - 1;
            int levelCode = (flags & LEVEL_MASK) >>> LEVEL_SHIFT;
            if (type == EventType.CACHE && levelCode == 3) {
                throw new InvalidEventException("level must be \"L1\" or \"L2\", got level code 3");
            }
            CacheLevel level = levelCode == 0 || levelCode == 3 ? null : LEVELS[levelCode - 1];
            return MetricEvent.of(type, ts, service, name, instance, duration, (flags & ERROR) != 0, (int) status,
                    null, n, (flags & HIT) != 0, level);
        }

        @Override
        public byte[] value() {
            return alone(eventStart, pos);
        }

        /** The record with every other event left out: header and names as they arrived, one event. */
        private byte[] alone(int eventStart, int eventEnd) {
            int eventLength = eventEnd - eventStart;
            byte[] out = new byte[namesEnd + 1 + eventLength];
            System.arraycopy(b, 0, out, 0, namesEnd);
            out[namesEnd] = 1; // varint 1: one event
            System.arraycopy(b, eventStart, out, namesEnd + 1, eventLength);
            return out;
        }

        private int flags(int event) {
            if (pos >= b.length) {
                throw truncated();
            }
            int flags = b[pos++] & 0xFF;
            if ((flags & RESERVED) != 0) {
                throw new InvalidEventException("event " + event + " sets the reserved flag bit 7");
            }
            return flags;
        }

        private String string(String what) {
            int length = length(what);
            int start = pos;
            int bad = Utf8.firstInvalidByte(b, start, start + length);
            if (bad >= 0) {
                throw new InvalidEventException("invalid UTF-8 at byte " + bad);
            }
            pos += length;
            return new String(b, start, length, StandardCharsets.UTF_8);
        }

        /** A string's byte length, checked against the bytes that are left; leaves pos at its first byte. */
        private int length(String what) {
            long length = varint(what);
            if (length < 0 || length > b.length - pos) {
                throw new InvalidEventException("batch is truncated: " + what + " claims " + Long.toUnsignedString(length)
                        + " bytes, " + (b.length - pos) + " are left");
            }
            return (int) length;
        }

        /** A count of items that take at least {@code minBytes} each; it cannot claim more than the bytes left. */
        private int count(String what, int minBytes) {
            long n = varint(what);
            if (n < 1) {
                throw new InvalidEventException("batch has no " + what);
            }
            if (n > (b.length - pos) / minBytes) {
                throw new InvalidEventException("batch is truncated: it claims " + Long.toUnsignedString(n) + " "
                        + what + " in " + (b.length - pos) + " bytes");
            }
            return (int) n;
        }

        /** An unsigned LEB128 varint of up to 64 bits; {@code what} names it in the error (null: known good). */
        private long varint(String what) {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= b.length) {
                    throw truncated();
                }
                int x = b[pos++];
                if (shift == 63 && (x & 0xFE) != 0) {
                    throw new InvalidEventException(what + " at byte " + (pos - 1) + " overflows 64 bits");
                }
                value |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return value;
                }
            }
            throw new InvalidEventException(what + " at byte " + (pos - 1) + " overflows 64 bits");
        }

        private InvalidEventException truncated() {
            return new InvalidEventException("batch is truncated at byte " + b.length);
        }
    }

    /** Zigzag encoding: small negative and positive numbers both become small unsigned ones. */
    static long zigzagEncode(long n) {
        return (n << 1) ^ (n >> 63);
    }

    static long zigzagDecode(long n) {
        return (n >>> 1) ^ -(n & 1);
    }

    /**
     * Builds batch values event by event, reusing its buffers from batch to batch; what the agent's
     * sender uses, one per thread. Not thread-safe. A value never passes {@link EventCodec#MAX_VALUE_BYTES}:
     * {@link #isFull} turns true while one more event of any size still fits.
     */
    public static final class Writer {
        /** Flags, name index, ts, duration, status and count at their longest, plus a new name's bytes. */
        private static final int MAX_EVENT_BYTES = 1 + 5 + 10 + 10 + 10 + 10 + 5 + 4 * MetricEvent.MAX_NAME_LENGTH;

        private final byte[] header;
        private final int limit;
        private final Bytes names = new Bytes(1024);
        private final Bytes events = new Bytes(16 * 1024);
        private final NameTable table = new NameTable();
        private long baseTs;
        private int count;

        /**
         * @param service  the service every event of these batches belongs to
         * @param instance the reporting instance, or null
         */
        public Writer(String service, String instance) {
            this(service, instance, EventCodec.MAX_VALUE_BYTES);
        }

        Writer(String service, String instance, int maxValueBytes) {
            Bytes h = new Bytes(64);
            h.write(MAGIC);
            h.write(VERSION);
            h.string(service.getBytes(StandardCharsets.UTF_8));
            h.string(instance == null ? new byte[0] : instance.getBytes(StandardCharsets.UTF_8));
            header = h.toArray();
            limit = maxValueBytes - MAX_EVENT_BYTES;
        }

        /** Adds one event; fields as {@link MetricEvent#of} takes them, type and level as ordinals (-1: none). */
        public void add(byte type, long ts, String name, long durationNanos, boolean error, int status, boolean hit,
                        byte level, long count) {
            if (this.count == 0) {
                baseTs = ts;
            }
            int flags = type | (error ? ERROR : 0) | (hit ? HIT : 0)
                    | (durationNanos != MetricEvent.NO_DURATION ? HAS_DURATION : 0)
                    | (level < 0 ? 0 : (level + 1) << LEVEL_SHIFT);
            Bytes e = events;
            e.write(flags);
            e.varint(table.indexOf(name, names));
            e.varint(zigzagEncode(ts - baseTs));
            if (durationNanos != MetricEvent.NO_DURATION) {
                e.varint(durationNanos);
            }
            if (type == TYPE_REQUEST) {
                e.varint(status);
            } else if (type == TYPE_QUERY || type == TYPE_SCRAPER) {
                e.varint(count == MetricEvent.NO_COUNT ? 0 : count + 1);
            }
            this.count++;
        }

        /** Adds one event; its service and instance are this writer's, whatever the event says. */
        public void add(MetricEvent e) {
            long count = e.type() == EventType.QUERY ? e.rows() : e.items();
            add((byte) e.type().ordinal(), e.ts(), e.name(), e.durationNanos(), e.error(), e.status(), e.hit(),
                    e.level() == null ? -1 : (byte) e.level().ordinal(), count);
        }

        private static final byte TYPE_REQUEST = (byte) EventType.REQUEST.ordinal();
        private static final byte TYPE_QUERY = (byte) EventType.QUERY.ordinal();
        private static final byte TYPE_SCRAPER = (byte) EventType.SCRAPER.ordinal();

        /** Events added since the last {@link #finish}. */
        public int size() {
            return count;
        }

        /** True when another event might not fit under the value size limit: time to {@link #finish}. */
        public boolean isFull() {
            return header.length + 10 + names.size() + 5 + events.size() > limit;
        }

        /** The batch value of the events added since the last call; the writer starts a new batch. */
        public byte[] finish() {
            if (count == 0) {
                throw new IllegalStateException("a batch holds at least one event");
            }
            Bytes out = new Bytes(header.length + 10 + 5 + names.size() + 5 + events.size());
            out.write(header);
            out.varint(baseTs);
            out.varint(table.size());
            out.write(names);
            out.varint(count);
            out.write(events);
            names.reset();
            events.reset();
            table.clear();
            count = 0;
            return out.toArray();
        }
    }

    /** The batch's names, each once: an open-addressing table from name to its index. */
    private static final class NameTable {
        private String[] keys = new String[64];
        private int[] indexes = new int[64];
        private int size;

        int size() {
            return size;
        }

        /** The name's index in this batch, appending it to {@code names} the first time. */
        int indexOf(String name, Bytes names) {
            int mask = keys.length - 1;
            int slot = mix(name.hashCode()) & mask;
            String k;
            while ((k = keys[slot]) != null) {
                if (k == name || k.equals(name)) {
                    return indexes[slot];
                }
                slot = (slot + 1) & mask;
            }
            keys[slot] = name;
            indexes[slot] = size;
            names.string(name.getBytes(StandardCharsets.UTF_8));
            if (++size * 2 > keys.length) {
                grow();
            }
            return size - 1;
        }

        void clear() {
            if (size > 0) {
                Arrays.fill(keys, null);
                size = 0;
            }
        }

        private void grow() {
            String[] oldKeys = keys;
            int[] oldIndexes = indexes;
            keys = new String[oldKeys.length * 2];
            indexes = new int[oldKeys.length * 2];
            int mask = keys.length - 1;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != null) {
                    int slot = mix(oldKeys[i].hashCode()) & mask;
                    while (keys[slot] != null) {
                        slot = (slot + 1) & mask;
                    }
                    keys[slot] = oldKeys[i];
                    indexes[slot] = oldIndexes[i];
                }
            }
        }

        private static int mix(int h) {
            return h ^ (h >>> 16);
        }
    }

    /** A growable byte buffer with varint writes. */
    private static final class Bytes {
        private byte[] buf;
        private int size;

        Bytes(int capacity) {
            buf = new byte[capacity];
        }

        int size() {
            return size;
        }

        void reset() {
            size = 0;
        }

        void write(int b) {
            ensure(1);
            buf[size++] = (byte) b;
        }

        void write(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buf, size, bytes.length);
            size += bytes.length;
        }

        void write(Bytes other) {
            ensure(other.size);
            System.arraycopy(other.buf, 0, buf, size, other.size);
            size += other.size;
        }

        void string(byte[] utf8) {
            varint(utf8.length);
            write(utf8);
        }

        void varint(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[size++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[size++] = (byte) v;
        }

        byte[] toArray() {
            return Arrays.copyOf(buf, size);
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }
    }
}
