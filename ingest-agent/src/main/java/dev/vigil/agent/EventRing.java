package dev.vigil.agent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded multi-producer, single-consumer ring of preallocated event slots.
 *
 * <p>Why not a queue of objects: the hot path must not allocate. Each slot is a 64-byte row of a
 * {@code long[]}, written in place; a caller's strings are stored by reference in a parallel array. A producer claims a
 * sequence with one CAS, writes the fields, then publishes the sequence with release semantics; the
 * consumer reads a slot only after seeing its sequence with acquire semantics. No locks anywhere, so a
 * caller can never wait for the sender's I/O. When the ring is full, {@link #offer} returns false at
 * once and the caller counts a drop.
 */
final class EventRing {

    /** Receives one slot's fields without an object per event. */
    interface SlotReader {
        void read(byte type, long ts, String name, long durationNanos, boolean error, int status, boolean hit,
                  byte level, long count);
    }

    private static final VarHandle PUBLISHED_SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle CONSUMED;

    static {
        try {
            CONSUMED = MethodHandles.lookup().findVarHandle(EventRing.class, "consumed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Longs per slot: one row of 64 bytes, so an event touches one or two cache lines, not ten. */
    private static final int STRIDE = 8;
    private static final int PUBLISHED = 0;
    private static final int TS = 1;
    private static final int DURATION = 2;
    private static final int COUNT = 3;
    private static final int PACKED = 4; // type | level | flags | status

    private final int capacity;
    private final int mask;
    /**
     * A quarter of the ring less one: the caller whose sequence has none of these bits set wakes the
     * consumer. Read on every call, so it sits with {@link #mask}, away from the consumer's counter.
     */
    private final int wakeMask;
    /** The slots: [published seq, ts, duration bits, count, packed small fields, unused ×3]. */
    private final long[] slots;
    private final String[] names;

    /** Next sequence to claim. Kept apart from {@link #consumed} so the two do not share a cache line. */
    private final AtomicLong claimed = new AtomicLong();
    /**
     * The producers' last view of {@link #consumed}. Re-read only when the ring looks full, so a caller
     * does not pull the consumer's cache line on every call. Racy on purpose: a stale value only means
     * looking again.
     */
    private long consumedCache;
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7;
    /** Next sequence the consumer will read; every earlier slot is free. Written by the consumer only. */
    private volatile long consumed;
    /** The thread that drains the ring, if it rests between drains and wants waking as the ring fills. */
    private volatile Thread consumer;

    EventRing(int requestedCapacity) {
        if (requestedCapacity < 2 || requestedCapacity > (1 << 26)) {
            throw new IllegalArgumentException("bufferCapacity must be 2..67108864, got " + requestedCapacity);
        }
        capacity = Integer.highestOneBit(requestedCapacity - 1) << 1; // next power of two
        mask = capacity - 1;
        wakeMask = Math.max(1, capacity / 4) - 1;
        slots = new long[capacity * STRIDE];
        names = new String[capacity];
        for (int i = 0; i < capacity; i++) {
            slots[i * STRIDE + PUBLISHED] = -1L;
        }
    }

    int capacity() {
        return capacity;
    }

    /**
     * {@code thread} drains this ring and rests between drains: each time another quarter of the ring has
     * been claimed, the caller that claims it unparks the thread, so a long rest never lets the ring fill
     * while events come fast. The cost to callers is one test of the sequence's low bits.
     */
    void wakeAsItFills(Thread thread) {
        consumer = thread;
    }

    /** The small fields of an event in one long, as a slot stores them: type | level | flags | status. */
    static long pack(byte type, byte level, boolean error, boolean hit, int status) {
        return (type & 0xFFL) | ((level & 0xFFL) << 8) | (error ? 1L << 16 : 0) | (hit ? 1L << 17 : 0)
                | ((status & 0xFFFFL) << 32);
    }

    /**
     * Writes one event into a free slot; false, without waiting, when the ring is full. Five arguments,
     * the small fields {@linkplain #pack packed}: all of them travel in registers.
     */
    boolean offer(long ts, String name, long durationNanos, long packed, long count) {
        long seq = claim();
        if (seq < 0) {
            return false;
        }
        publish(seq, ts, name, durationNanos, packed, count);
        return true;
    }

    /**
     * As {@link #offer}, stamped with {@link CoarseClock#millis()} once a slot is claimed: a caller whose
     * event is dropped for a full ring does not pay for reading the clock.
     */
    boolean offerNow(String name, long durationNanos, long packed, long count) {
        long seq = claim();
        if (seq < 0) {
            return false;
        }
        publish(seq, CoarseClock.millis(), name, durationNanos, packed, count);
        return true;
    }

    /** Unparks the thread given to {@link #wakeAsItFills}, if any. */
    void wakeConsumer() {
        Thread t = consumer;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Claims the next free sequence, or -1 when the ring is full. */
    private long claim() {
        long seq;
        do {
            seq = claimed.get();
            if (seq - consumedCache >= capacity) {
                long fresh = (long) CONSUMED.getAcquire(this);
                consumedCache = fresh;
                if (seq - fresh >= capacity) {
                    return -1;
                }
            }
        } while (!claimed.compareAndSet(seq, seq + 1));
        return seq;
    }

    private void publish(long seq, long ts, String name, long durationNanos, long packed, long count) {
        int i = (int) seq & mask;
        int base = i * STRIDE;
        slots[base + TS] = ts;
        slots[base + DURATION] = durationNanos;
        slots[base + COUNT] = count;
        slots[base + PACKED] = packed;
        names[i] = name;
        PUBLISHED_SLOT.setRelease(slots, base + PUBLISHED, seq);
        if ((seq & wakeMask) == 0) {
            wakeConsumer();
        }
    }

    /** Consumer only: hands up to {@code max} published slots to {@code reader}, in order. */
    int drain(SlotReader reader, int max) {
        long next = consumed;
        int n = 0;
        while (n < max) {
            int i = (int) next & mask;
            int base = i * STRIDE;
            if ((long) PUBLISHED_SLOT.getAcquire(slots, base + PUBLISHED) != next) {
                break;
            }
            long packed = slots[base + PACKED];
            reader.read((byte) packed, slots[base + TS], names[i], slots[base + DURATION],
                    (packed & (1L << 16)) != 0, (int) ((packed >>> 32) & 0xFFFF), (packed & (1L << 17)) != 0,
                    (byte) (packed >>> 8), slots[base + COUNT]);
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
        return drain((type, ts, name, durationNanos, error, status, hit, level, count) -> { }, Integer.MAX_VALUE);
    }

    /** Events claimed so far (published or about to be). */
    long claimedCount() {
        return claimed.get();
    }

    boolean isEmpty() {
        return claimed.get() == consumed;
    }
}
