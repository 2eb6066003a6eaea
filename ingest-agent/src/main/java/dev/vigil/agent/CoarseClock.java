package dev.vigil.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Wall-clock milliseconds for event times: a clock call, or one volatile field while events come fast.
 *
 * <p>Two costs meet here, both measured on the virtual machines this runs on. {@code
 * System.currentTimeMillis()} costs about 33 ns, which is half of a whole {@code record*} call; a thread
 * that refreshes a shared value every millisecond saves callers that call, but each of its 1,000
 * wake-ups a second costs 20 µs or more of CPU (about 20 ms of CPU a second, 2% of a core), whether the
 * service records anything or not. The ticker is worth it only above about 600,000 events a second.
 *
 * <p>So one daemon thread per JVM watches how many events the open agents' rings take (their claim
 * counters, which callers write anyway), twice a second. While they take at least
 * {@value #TICKING_EVENTS_PER_SECOND} a second it refreshes the shared value every millisecond and
 * callers read it; below that, callers read the system clock themselves and the thread wakes only for
 * its two checks. Under heavy CPU starvation the shared value can lag by a few milliseconds; windows
 * are seconds long.
 */
final class CoarseClock {
    /** Above this rate of events the ticker costs less than the callers' own clock calls. */
    static final long TICKING_EVENTS_PER_SECOND = 500_000;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * How often the rate is checked. Each check is a wake-up (20 µs or more of CPU); at ten a second the
     * thread cost 25-39 ns an event at a steady 20,000 events/s, a tenth of the agent's background cost.
     */
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private static volatile long now = System.currentTimeMillis();
    /** Whether {@link #now} is being refreshed every millisecond; written after {@link #now} is fresh. */
    private static volatile boolean ticking;
    private static final List<EventRing> RINGS = new ArrayList<>();
    private static Thread ticker;

    private CoarseClock() {
    }

    /** The current time in epoch milliseconds, to within about a millisecond. */
    static long millis() {
        return ticking ? now : System.currentTimeMillis();
    }

    /** An agent starts recording into {@code ring}; the first one starts the watching thread. */
    static synchronized void acquire(EventRing ring) {
        RINGS.add(ring);
        if (RINGS.size() == 1) {
            Thread t = new Thread(CoarseClock::watch, "vigil-agent-clock");
            t.setDaemon(true);
            ticker = t;
            t.start();
        }
    }

    /** The agent of {@code ring} is closed; the last one stops the thread. */
    static synchronized void release(EventRing ring) {
        if (RINGS.remove(ring) && RINGS.isEmpty()) {
            Thread t = ticker;
            ticker = null;
            ticking = false;
            LockSupport.unpark(t);
        }
    }

    static synchronized boolean running() {
        return ticker != null;
    }

    /** Whether callers currently read the shared value (tests, benchmarks). */
    static boolean ticking() {
        return ticking;
    }

    private static synchronized long claimed() {
        long sum = 0;
        for (EventRing ring : RINGS) {
            sum += ring.claimedCount();
        }
        return sum;
    }

    private static synchronized boolean owns(Thread t) {
        return ticker == t;
    }

    private static void watch() {
        Thread self = Thread.currentThread();
        long lastCheck = System.nanoTime();
        long lastClaimed = claimed();
        while (owns(self)) {
            if (ticking) {
                now = System.currentTimeMillis();
                LockSupport.parkNanos(TICK_NANOS);
            } else {
                LockSupport.parkNanos(CHECK_NANOS);
            }
            long t = System.nanoTime();
            if (t - lastCheck >= CHECK_NANOS) {
                long c = claimed();
                boolean fast = (c - lastClaimed) * 1_000_000_000.0 / (t - lastCheck) >= TICKING_EVENTS_PER_SECOND;
                if (fast && !ticking) {
                    now = System.currentTimeMillis(); // fresh before any caller reads it
                    ticking = true;
                } else if (!fast && ticking) {
                    ticking = false;
                }
                lastCheck = t;
                lastClaimed = c;
            }
        }
        synchronized (CoarseClock.class) {
            if (ticker == null) {
                ticking = false; // never a stale shared value once nobody refreshes it
            }
        }
    }
}
