package dev.vigil.agent;

import dev.vigil.events.CacheLevel;
import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import dev.vigil.events.Topics;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The library a service embeds to report requests, queries, cache accesses and scrapes to Vigil.
 *
 * <pre>{@code
 * MetricsAgent agent = MetricsAgent.builder()
 *     .service("checkout")
 *     .bootstrapServers("localhost:9092")
 *     .build();
 * agent.recordRequest("GET /cart/{id}", 200, durationNanos);
 * }</pre>
 *
 * <p><b>On the caller's hot path</b>, a {@code record*} call validates its arguments, reads the
 * millisecond clock ({@link CoarseClock}: a shared value while events come fast) and writes the event into a
 * preallocated slot of a lock-free ring: no I/O, no lock, no allocation, no system call.
 * One background thread encodes events (many to a Kafka record, {@link RecordFormat#BATCH}) and sends
 * them with an idempotent {@code acks=all}, lz4-compressing producer.
 *
 * <p><b>It never blocks or throws on the hot path.</b> When Kafka is slow or down the ring fills and
 * further events are dropped and counted; memory stays at the ring's fixed size. A call with bad
 * arguments (null or empty name, name over 256 characters, negative or NaN duration, status outside
 * 100–599) is counted as {@code invalid} and logged at most every 30 s: a metrics library must not take
 * a service down for a metrics bug. Configuration mistakes in the builder, by contrast, throw at start.
 *
 * <p>{@link #close()} delivers what it can within the close timeout (default 5 s), then returns.
 */
public final class MetricsAgent implements AutoCloseable {

    static final byte TYPE_REQUEST = (byte) EventType.REQUEST.ordinal();
    static final byte TYPE_QUERY = (byte) EventType.QUERY.ordinal();
    static final byte TYPE_CACHE = (byte) EventType.CACHE.ordinal();
    static final byte TYPE_SCRAPER = (byte) EventType.SCRAPER.ordinal();
    private static final byte NO_LEVEL = -1;

    private final EventRing ring;
    private final Sender sender;
    private final Thread senderThread;
    private final Duration closeTimeout;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder invalid = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final RateLimitedLog invalidLog =
            new RateLimitedLog(LoggerFactory.getLogger(MetricsAgent.class), TimeUnit.SECONDS.toNanos(30));

    private MetricsAgent(Builder b, Function<EventRing, Sender> senderFactory) {
        ring = new EventRing(b.bufferCapacity);
        sender = senderFactory.apply(ring);
        CoarseClock.acquire(ring);
        closeTimeout = b.closeTimeout;
        senderThread = new Thread(sender, "vigil-agent-sender-" + b.service);
        senderThread.setDaemon(true); // never keeps the service's JVM alive
        senderThread.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- the hot path --------------------------------------------------------------------------

    /** A served request; it counts as an error when {@code status >= 500}. */
    public void recordRequest(String route, int status, long durationNanos) {
        recordRequest(route, status, durationNanos, status >= 500);
    }

    /** A served request with an explicit error flag (for example a 200 that carried an error body). */
    public void recordRequest(String route, int status, long durationNanos, boolean error) {
        if (!MetricEvent.isValidStatus(status)) {
            rejectInvalidStatus(status);
            return;
        }
        record(TYPE_REQUEST, route, durationNanos, error, status, false, NO_LEVEL, MetricEvent.NO_COUNT);
    }

    /** A database query, by its statement fingerprint or operation ({@code SELECT users}). */
    public void recordQuery(String fingerprint, long durationNanos, boolean error) {
        record(TYPE_QUERY, fingerprint, durationNanos, error, MetricEvent.NO_STATUS, false, NO_LEVEL, MetricEvent.NO_COUNT);
    }

    /** A cache lookup, without its duration. */
    public void recordCache(String cache, boolean hit) {
        if (validName(cache)) {
            offer(TYPE_CACHE, cache, MetricEvent.NO_DURATION, false, MetricEvent.NO_STATUS, hit, NO_LEVEL, MetricEvent.NO_COUNT);
        }
    }

    /** A cache lookup answered at {@code level}, with its duration. */
    public void recordCache(String cache, boolean hit, CacheLevel level, long durationNanos) {
        record(TYPE_CACHE, cache, durationNanos, false, MetricEvent.NO_STATUS, hit,
                level == null ? NO_LEVEL : (byte) level.ordinal(), MetricEvent.NO_COUNT);
    }

    /** A scrape of one platform ({@code twitter}); {@code error} for a failed scrape. */
    public void recordScrape(String platform, long durationNanos, boolean error) {
        record(TYPE_SCRAPER, platform, durationNanos, error, MetricEvent.NO_STATUS, false, NO_LEVEL, MetricEvent.NO_COUNT);
    }

    /**
     * Times a request: {@code try (var t = agent.timeRequest("GET /x")) { …; t.status(200); }}. The
     * event is recorded on close with the elapsed time (status 500 if none was set). Allocates one small
     * object; the {@code record*} methods are the allocation-free path.
     */
    public RequestTimer timeRequest(String route) {
        return new RequestTimer(this, route, System.nanoTime());
    }

    private void record(byte type, String name, long durationNanos, boolean error, int status, boolean hit,
                        byte level, long count) {
        if (durationNanos < 0) {
            rejectInvalid("duration must be >= 0 ns, got {}", durationNanos);
            return;
        }
        if (validName(name)) {
            offer(type, name, durationNanos, error, status, hit, level, count);
        }
    }

    private void offer(byte type, String name, long durationNanos, boolean error, int status, boolean hit,
                       byte level, long count) {
        if (closed.get() || !ring.offerNow(name, durationNanos, EventRing.pack(type, level, error, hit, status), count)) {
            dropped.increment();
        }
    }

    private boolean validName(String name) {
        if (name == null || name.isEmpty()) {
            rejectInvalid("name must not be {}", name == null ? "null" : "empty");
            return false;
        }
        if (name.length() > MetricEvent.MAX_NAME_LENGTH
                && name.codePointCount(0, name.length()) > MetricEvent.MAX_NAME_LENGTH) {
            rejectInvalid("name must be at most " + MetricEvent.MAX_NAME_LENGTH + " characters, got {}",
                    name.codePointCount(0, name.length()));
            return false;
        }
        return true;
    }

    private void rejectInvalidStatus(int status) {
        rejectInvalid(MetricEvent.invalidStatus(status).getMessage(), null);
    }

    private void rejectInvalid(String message, Object value) {
        invalid.increment();
        invalidLog.warn("Vigil agent ignored an event: " + message, value);
    }

    // ---- state ---------------------------------------------------------------------------------

    /** A consistent-enough snapshot of the counters (each read once; in flight is what remains). */
    public AgentStats stats() {
        long sent = sender.sent();
        long failed = sender.failed();
        long droppedNow = dropped.sum() + sender.discardedAtClose();
        long accepted = ring.claimedCount() + dropped.sum();
        long inFlight = Math.max(0, accepted - sent - failed - droppedNow);
        return new AgentStats(accepted, sent, droppedNow, failed, inFlight, invalid.sum());
    }

    /**
     * Delivers buffered events for up to the close timeout, then stops the sender and returns. Later
     * {@code record*} calls are counted as dropped. Safe to call more than once.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        CoarseClock.release(ring);
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        sender.requestClose(deadline);
        try {
            // The sender stops by the deadline; the margin covers closing the producer's network thread.
            senderThread.join(closeTimeout.toMillis() + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- configuration -------------------------------------------------------------------------

    /** Builds an agent; {@link #build()} validates everything and never blocks on Kafka. */
    public static final class Builder {
        private String service;
        private String instance;
        private String bootstrapServers;
        private String topic = Topics.EVENTS;
        private int bufferCapacity = 65_536;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private RecordFormat recordFormat = RecordFormat.BATCH;
        private final Map<String, Object> kafkaProperties = new HashMap<>();

        private Builder() {
        }

        /** Required: the service name every event carries (1–128 characters). */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /** The instance name; default the host name. */
        public Builder instance(String instance) {
            this.instance = instance;
            return this;
        }

        /** Required: Kafka bootstrap servers, {@code host:port[,host:port]}. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** Default {@value Topics#EVENTS}. */
        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        /**
         * Events held while Kafka is slow or away (rounded up to a power of two; default 65,536, about
         * 3 MB). Beyond it, events are dropped and counted.
         */
        public Builder bufferCapacity(int bufferCapacity) {
            this.bufferCapacity = bufferCapacity;
            return this;
        }

        /** How long {@link MetricsAgent#close()} may spend delivering buffered events; default 5 s. */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /**
         * How events go into Kafka records; default {@link RecordFormat#BATCH} (many events to a record,
         * which the Vigil job reads). {@link RecordFormat#V1} sends one JSON record per event, for other
         * consumers of the topic.
         */
        public Builder recordFormat(RecordFormat recordFormat) {
            this.recordFormat = recordFormat;
            return this;
        }

        /** Any producer setting, passed through (TLS, SASL, linger, …); it overrides Vigil's defaults. */
        public Builder kafkaProperty(String key, Object value) {
            kafkaProperties.put(key, value);
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the setting that is missing or wrong
         */
        public MetricsAgent build() {
            validate();
            Map<String, Object> config = producerConfig();
            try {
                new ProducerConfig(withSerializers(config)); // type-checks every setting; no network
            } catch (ConfigException e) {
                throw new IllegalArgumentException("invalid Kafka producer setting: " + e.getMessage(), e);
            }
            return new MetricsAgent(this, ring -> new KafkaSender(ring, service, instance, topic, config, recordFormat));
        }

        /** An agent whose background side is {@code senderFactory} (benchmarks: measure the callers' side). */
        MetricsAgent buildWith(Function<EventRing, Sender> senderFactory) {
            validate();
            return new MetricsAgent(this, senderFactory);
        }

        private void validate() {
            if (service == null || service.isEmpty() || service.codePointCount(0, service.length()) > MetricEvent.MAX_SERVICE_LENGTH) {
                throw new IllegalArgumentException("service must be 1-128 characters, got " + (service == null ? "null" : "\"" + service + "\""));
            }
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers is required");
            }
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic must not be empty");
            }
            if (recordFormat == null) {
                throw new IllegalArgumentException("recordFormat must not be null");
            }
            if (closeTimeout == null || closeTimeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must be >= 0, got " + closeTimeout);
            }
        }

        private Map<String, Object> producerConfig() {
            Map<String, Object> config = new HashMap<>();
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            // Windows are a minute long; every produce request costs the service far more than the events in it:
            // at a steady 20,000 events/s the producer's thread used 10.7-14.8 ms of CPU a second with 100 ms,
            // 3.1-3.4 ms with 500 ms (and, with v1 records, CPU per request 1.70x with 20 ms, 1.3x with 100 ms).
            config.put(ProducerConfig.LINGER_MS_CONFIG, 500);
            // Room for several batch records (up to 64 KiB each, one per sender rest) in one produce request: at
            // 64 KiB every record filled a producer batch of its own, outside the producer's buffer pool, and was
            // sent at once (producer thread 246-274 ns an event at a steady 20,000 events/s, 125 with 256 KiB).
            config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            // Only the sender thread ever waits on this; short, so close() stays within its bound.
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
            config.put(ProducerConfig.CLIENT_ID_CONFIG, "vigil-agent-" + service);
            config.putAll(kafkaProperties);
            return config;
        }

        private static Map<String, Object> withSerializers(Map<String, Object> config) {
            Map<String, Object> copy = new HashMap<>(config);
            copy.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class);
            copy.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class);
            return copy;
        }
    }
}
