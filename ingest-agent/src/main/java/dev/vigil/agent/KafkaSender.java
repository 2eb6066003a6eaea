package dev.vigil.agent;

import dev.vigil.events.CacheLevel;
import dev.vigil.events.EventBatch;
import dev.vigil.events.EventCodec;
import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The agent's one background thread: drains the ring, encodes the events ({@linkplain EventBatch many to
 * a record} by default, or one v1 record each) and hands them to a {@link KafkaProducer}. Everything
 * that can block (DNS, metadata, a full producer buffer) happens here, never on a caller's thread.
 *
 * <p>Events stay in the ring until the topic's metadata is known, so an outage at start costs buffer
 * space, not events: once the broker answers they are delivered.
 */
final class KafkaSender implements Sender, EventRing.SlotReader, Callback {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsAgent.class);
    /**
     * The rest once caught up. Each wake-up costs 20-80 µs of CPU on the VMs this was measured on (a
     * thread parking 1 ms at a time uses 2% of a core); at 50 ms the default ring (65,536 events) still
     * absorbs 1.3 M events/s between two drains, and a busy service pays for 20 wake-ups a second.
     */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The rest when there was nothing at all to drain. */
    private static final long EMPTY_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int DRAIN_BATCH = 4096;
    /**
     * How long a batch may wait for more events before it is sent: one drain's rest. Short next to a
     * window (a minute); a service doing 20,000 events/s puts about 1,000 in a record.
     */
    private static final long BATCH_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long RETRY_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final EventType[] TYPES = EventType.values();
    private static final CacheLevel[] LEVELS = CacheLevel.values();

    private final EventRing ring;
    private final String service;
    private final String configuredInstance;
    private final String topic;
    private final Map<String, Object> producerConfig;
    private final RecordFormat format;
    private final byte[] key;
    /** One generator and buffer for every event this thread encodes. */
    private final EventCodec.Encoder encoder = new EventCodec().newEncoder();
    /** The batch being filled (batch format); made once the instance name is known. */
    private EventBatch.Writer batch;
    private long batchStartedNanos;
    private final RateLimitedLog warnings = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(30));

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Events discarded because close ran out of time before they could be handed to Kafka. */
    private final AtomicLong discardedAtClose = new AtomicLong();

    private volatile boolean closing;
    private volatile long closeDeadlineNanos;
    private String instance;
    private KafkaProducer<byte[], byte[]> producer;
    private boolean metadataReady;

    KafkaSender(EventRing ring, String service, String instance, String topic, Map<String, Object> producerConfig,
                RecordFormat format) {
        this.ring = ring;
        this.format = format;
        this.service = service;
        this.configuredInstance = instance;
        this.topic = topic;
        this.producerConfig = producerConfig;
        this.key = service.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long sent() {
        return sent.get();
    }

    @Override
    public long failed() {
        return failed.get();
    }

    @Override
    public long discardedAtClose() {
        return discardedAtClose.get();
    }

    @Override
    public void requestClose(long deadlineNanos) {
        closeDeadlineNanos = deadlineNanos;
        closing = true;
    }

    @Override
    public void run() {
        instance = configuredInstance != null ? configuredInstance : hostName();
        if (format == RecordFormat.BATCH) {
            batch = new EventBatch.Writer(service, instance);
        }
        try {
            while (true) {
                boolean pastDeadline = closing && System.nanoTime() - closeDeadlineNanos >= 0;
                if (pastDeadline || (closing && ring.isEmpty())) {
                    sendBatch(); // what the ring already gave up
                    break;
                }
                if (!ready()) {
                    if (closing) {
                        break; // Kafka is not reachable: nothing more can be delivered in time
                    }
                    LockSupport.parkNanos(RETRY_BACKOFF_NANOS);
                    continue;
                }
                // Caught up: wait for a batch to build instead of chasing the callers slot by slot, which
                // would bounce every slot's cache line between their cores and this one.
                int drained = ring.drain(this, DRAIN_BATCH);
                if (batch != null && batch.size() > 0
                        && (closing || System.nanoTime() - batchStartedNanos >= BATCH_LINGER_NANOS)) {
                    sendBatch();
                }
                if (drained < DRAIN_BATCH) {
                    // Nothing at all: rest longer, so an idle service pays for fewer wake-ups.
                    LockSupport.parkNanos(drained == 0 && (batch == null || batch.size() == 0)
                            ? EMPTY_PARK_NANOS : IDLE_PARK_NANOS);
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.error("Vigil agent sender stopped unexpectedly; further events are dropped", e);
        } finally {
            discardedAtClose.addAndGet(ring.discardAll());
            closeProducer();
        }
    }

    /** True once a producer exists and knows the topic; tries to get there otherwise. */
    private boolean ready() {
        if (metadataReady) {
            return true;
        }
        try {
            if (producer == null) {
                producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
            }
            producer.partitionsFor(topic); // blocks up to max.block.ms, on this thread only
            metadataReady = true;
            LOG.info("Vigil agent connected: sending to topic {}", topic);
            return true;
        } catch (RuntimeException e) {
            warnings.warn("Vigil agent cannot reach Kafka topic {} yet ({}); buffering events", topic, e.toString());
            return false;
        }
    }

    @Override
    public void read(byte type, long ts, String name, long durationNanos, boolean error, int status, boolean hit,
                     byte level, long count) {
        if (batch != null) {
            if (batch.size() == 0) {
                batchStartedNanos = System.nanoTime();
            }
            batch.add(type, ts, name, durationNanos, error, status, hit, level, count);
            if (batch.isFull()) {
                sendBatch();
            }
            return;
        }
        try {
            MetricEvent event = MetricEvent.of(TYPES[type], ts, service, name, instance, durationNanos, error, status,
                    null, count, hit, level < 0 ? null : LEVELS[level]);
            producer.send(new ProducerRecord<>(topic, null, ts, key, encoder.encode(event)), this);
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            warnings.warn("Vigil agent could not hand an event to Kafka: {}", e.toString());
        }
    }

    /** Hands the batch being filled to the producer as one record, if it holds anything. */
    private void sendBatch() {
        if (batch == null || batch.size() == 0) {
            return;
        }
        int events = batch.size();
        try {
            byte[] value = batch.finish();
            producer.send(new ProducerRecord<>(topic, null, null, key, value), new BatchAcknowledged(events));
        } catch (RuntimeException e) {
            failed.addAndGet(events);
            warnings.warn("Vigil agent could not hand a batch of {} events to Kafka: {}", events, e.toString());
        }
    }

    /** Kafka's acknowledgement of a batch record, on the producer's I/O thread: every event in it counts. */
    private final class BatchAcknowledged implements Callback {
        private final int events;

        BatchAcknowledged(int events) {
            this.events = events;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception == null) {
                sent.addAndGet(events);
            } else {
                failed.addAndGet(events);
                warnings.warn("Vigil agent: Kafka did not take a batch of {} events: {}", events, exception.toString());
            }
        }
    }

    /** Kafka's acknowledgement, on the producer's I/O thread. */
    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception == null) {
            sent.incrementAndGet();
        } else {
            failed.incrementAndGet();
            warnings.warn("Vigil agent: Kafka did not take an event: {}", exception.toString());
        }
    }

    private void closeProducer() {
        if (producer == null) {
            return;
        }
        long remaining = Math.max(0, closeDeadlineNanos - System.nanoTime());
        try {
            // Undelivered records fail their callbacks when the time is up, so the counters still add up.
            producer.close(closing ? Duration.ofNanos(remaining) : Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.warn("Vigil agent: closing the Kafka producer failed: {}", e.toString());
        }
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return null;
        }
    }
}
