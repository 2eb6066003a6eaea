package dev.vigil.agent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded multi-producer, single-consumer ring of preallocated event slots.
 *
 * <p>Why not a queue of objects: the hot path must not allocate. Each slot is a row across parallel
 * primitive arrays, written in place; a caller's strings are stored by reference. A producer claims a
 * sequence with one CAS, writes the fields, then publishes the sequence with release semantics; the
 * consumer reads a slot only after seeing its sequence with acquire semantics. No locks anywhere, so a
 * caller can never wait for the sender's I/O. When the ring is full, {@link #offer} returns false at
 * once and the caller counts a drop.
 */
final class EventRing {

    /** Receives one slot's fields without an object per event. */
    interface SlotReader {
        void read(byte type, long ts, String name, double durationMs, boolean error, int status, boolean hit,
                  byte level, long count);
    }

    private static final VarHandle PUBLISHED = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle CONSUMED;

    static {
        try {
            CONSUMED = MethodHandles.lookup().findVarHandle(EventRing.class, "consumed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    private final int mask;
    private final byte[] types;
    private final long[] timestamps;
    private final String[] names;
    private final double[] durations;
    private final boolean[] errors;
    private final int[] statuses;
    private final boolean[] hits;
    private final byte[] levels;
    private final long[] counts;
    /** published[i] == seq once the slot for seq is fully written. */
    private final long[] published;

    /** Next sequence to claim. Kept apart from {@link #consumed} so the two do not share a cache line. */
    private final AtomicLong claimed = new AtomicLong();
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7;
    /** Next sequence the consumer will read; every earlier slot is free. Written by the consumer only. */
    private volatile long consumed;

    EventRing(int requestedCapacity) {
        if (requestedCapacity < 2 || requestedCapacity > (1 << 26)) {
            throw new IllegalArgumentException("bufferCapacity must be 2..67108864, got " + requestedCapacity);
        }
        capacity = Integer.highestOneBit(requestedCapacity - 1) << 1; // next power of two
        mask = capacity - 1;
        types = new byte[capacity];
        timestamps = new long[capacity];
        names = new String[capacity];
        durations = new double[capacity];
        errors = new boolean[capacity];
        statuses = new int[capacity];
        hits = new boolean[capacity];
        levels = new byte[capacity];
        counts = new long[capacity];
        published = new long[capacity];
        Arrays.fill(published, -1L);
    }

    int capacity() {
        return capacity;
    }

    /** Writes one event into a free slot; false, without waiting, when the ring is full. */
    boolean offer(byte type, long ts, String name, double durationMs, boolean error, int status, boolean hit,
                  byte level, long count) {
        long seq;
        do {
            seq = claimed.get();
            if (seq - (long) CONSUMED.getAcquire(this) >= capacity) {
                return false;
            }
        } while (!claimed.compareAndSet(seq, seq + 1));
        int i = (int) seq & mask;
        types[i] = type;
        timestamps[i] = ts;
        names[i] = name;
        durations[i] = durationMs;
        errors[i] = error;
        statuses[i] = status;
        hits[i] = hit;
        levels[i] = level;
        counts[i] = count;
        PUBLISHED.setRelease(published, i, seq);
        return true;
    }

    /** Consumer only: hands up to {@code max} published slots to {@code reader}, in order. */
    int drain(SlotReader reader, int max) {
        long next = consumed;
        int n = 0;
        while (n < max) {
            int i = (int) next & mask;
            if ((long) PUBLISHED.getAcquire(published, i) != next) {
                break;
            }
            reader.read(types[i], timestamps[i], names[i], durations[i], errors[i], statuses[i], hits[i],
                    levels[i], counts[i]);
            names[i] = null; // do not keep the caller's strings alive
            next++;
            n++;
        }
        if (n > 0) {
            CONSUMED.setRelease(this, next);
        }
        return n;
    }

    /** Consumer only: empties the ring without reading it; returns how many events were discarded. */
    long discardAll() {
        return drain((type, ts, name, durationMs, error, status, hit, level, count) -> { }, Integer.MAX_VALUE);
    }

    /** Events claimed so far (published or about to be). */
    long claimedCount() {
        return claimed.get();
    }

    boolean isEmpty() {
        return claimed.get() == consumed;
    }
}
