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
     * The rest once caught up, and so how long an event waits here at most before it goes (the producer's
     * {@code linger.ms} adds up to as much again: about a second in all, short next to a minute's window
     * and the job's 5 s of allowed disorder). Each wake-up, and each record, costs the service CPU: at a
     * steady 20,000 events/s the agent's threads used 435 ns an event with a 50 ms rest, 259 with 500 ms
     * (and 256 KiB producer batches). Callers wake this thread early each time another quarter of the
     * ring fills ({@link EventRing#wakeAsItFills}), so a long rest never costs events, whatever the rate.
     */
    private static final long REST_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long CLOSING_REST_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int DRAIN_BATCH = 4096;
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
        ring.wakeConsumer(); // not a whole rest late
    }

    @Override
    public void run() {
        ring.wakeAsItFills(Thread.currentThread());
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
                int drained = ring.drain(this, DRAIN_BATCH);
                if (drained < DRAIN_BATCH) {
                    // Caught up: what one rest gathered goes as one record (a full batch went already), then
                    // rest instead of chasing the callers slot by slot, which would bounce every slot's cache
                    // line between their cores and this one. Closing: callers may still be publishing slots
                    // they claimed; look again soon.
                    sendBatch();
                    LockSupport.parkNanos(closing ? CLOSING_REST_NANOS : REST_NANOS);
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
