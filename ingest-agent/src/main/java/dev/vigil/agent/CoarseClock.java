package dev.vigil.agent;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Wall-clock milliseconds for event times, read as one volatile field instead of a clock call.
 *
 * <p>{@code System.currentTimeMillis()} costs about 30 ns on the virtual machines this was measured on,
 * half of a whole {@code record*} call. Event times only need millisecond resolution, so one daemon
 * thread per JVM refreshes a shared value every millisecond while at least one agent is open. Under
 * heavy CPU starvation the value can lag by a few milliseconds; windows are seconds long.
 */
final class CoarseClock {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static volatile long now = System.currentTimeMillis();
    private static int users;
    private static Thread ticker;

    private CoarseClock() {
    }

    /** The current time in epoch milliseconds, to within about a millisecond. */
    static long millis() {
        return now;
    }

    /** An agent starts using the clock; the first one starts the ticker. */
    static synchronized void acquire() {
        if (users++ == 0) {
            now = System.currentTimeMillis();
            Thread t = new Thread(CoarseClock::tick, "vigil-agent-clock");
            t.setDaemon(true);
            ticker = t;
            t.start();
        }
    }

    /** An agent is closed; the last one stops the ticker. */
    static synchronized void release() {
        if (users > 0 && --users == 0) {
            Thread t = ticker;
            ticker = null;
            LockSupport.unpark(t);
        }
    }

    static synchronized boolean running() {
        return ticker != null;
    }

    private static void tick() {
        Thread self = Thread.currentThread();
        while (ticker == self) {
            now = System.currentTimeMillis();
            LockSupport.parkNanos(TICK_NANOS);
        }
    }
}
