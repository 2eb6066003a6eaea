package dev.vigil.agent;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventRingTest {

    @Test
    void roundsCapacityUpToAPowerOfTwoAndRefusesWhenFull() {
        EventRing ring = new EventRing(5);
        assertThat(ring.capacity()).isEqualTo(8);
        for (int i = 0; i < 8; i++) {
            assertThat(offer(ring, i)).isTrue();
        }
        assertThat(offer(ring, 99)).isFalse();
        List<Long> seen = new ArrayList<>();
        assertThat(ring.drain((t, ts, n, d, e, s, h, l, c) -> seen.add(ts), 3)).isEqualTo(3);
        assertThat(seen).containsExactly(0L, 1L, 2L);
        assertThat(offer(ring, 8)).isTrue(); // space again after the drain
        assertThatThrownBy(() -> new EventRing(1)).hasMessageContaining("bufferCapacity");
    }

    @Test
    void theCallerThatClaimsEachQuarterOfTheRingWakesTheRestingConsumer() throws Exception {
        EventRing ring = new EventRing(16); // a quarter: 4 events
        AtomicLong wakeUps = new AtomicLong();
        CountDownLatch parked = new CountDownLatch(1);
        Thread consumer = new Thread(() -> {
            parked.countDown();
            while (wakeUps.get() < 3) {
                LockSupport.parkNanos(TimeUnit.MINUTES.toNanos(1)); // a rest no test waits out
                wakeUps.incrementAndGet();
            }
        });
        consumer.setDaemon(true);
        consumer.start();
        parked.await();
        ring.wakeAsItFills(consumer);

        for (int i = 0; i < 12; i++) { // sequences 0, 4 and 8 wake it
            assertThat(offer(ring, i)).isTrue();
            if (i % 4 == 0) {
                long expected = i / 4 + 1;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (wakeUps.get() < expected && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertThat(wakeUps.get()).as("wake-ups after event %d", i).isEqualTo(expected);
            }
        }
        consumer.join(10_000);
        assertThat(consumer.isAlive()).isFalse();
    }

    @Test
    void manyProducersOneConsumerLoseNothingAndKeepEachProducersOrder() throws Exception {
        EventRing ring = new EventRing(1024);
        int producers = 4;
        int perProducer = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong refused = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            Thread t = new Thread(() -> {
                await(start);
                for (int i = 0; i < perProducer; i++) {
                    // ts encodes (producer, sequence); retry when full so every event goes through
                    while (!ring.offer((long) id << 32 | i, "n" + id, i, EventRing.pack((byte) 0, (byte) -1, false, false, 200), 0)) {
                        refused.incrementAndGet();
                        Thread.onSpinWait();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        long[] lastSeen = new long[producers];
        java.util.Arrays.fill(lastSeen, -1);
        Set<String> wrongPairs = new HashSet<>();
        long[] received = {0};
        start.countDown();
        while (received[0] < (long) producers * perProducer) {
            ring.drain((t, ts, name, d, e, s, h, l, c) -> {
                int producer = (int) (ts >>> 32);
                long seq = ts & 0xFFFFFFFFL;
                if (seq != lastSeen[producer] + 1 || !name.equals("n" + producer) || d != seq) {
                    wrongPairs.add(producer + ":" + seq);
                }
                lastSeen[producer] = seq;
                received[0]++;
            }, 512);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(wrongPairs).isEmpty();
        assertThat(ring.isEmpty()).isTrue();
        assertThat(ring.claimedCount()).isEqualTo((long) producers * perProducer);
    }

    private static boolean offer(EventRing ring, long ts) {
        return ring.offer(ts, "n", 1_000_000L, EventRing.pack((byte) 0, (byte) -1, false, false, 200), 0);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
