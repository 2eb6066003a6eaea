package dev.vigil.events;

import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import dev.vigil.stack.TopicSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Events go through a real broker the way agents send them (key = service, value = v1 JSON, lz4) and
 * come back through the codec: good ones intact, bad ones rejected with their reasons.
 */
@ExtendWith(EmbeddedStackExtension.class)
class EventBrokerPathIT {

    private static final String TOPIC = "events.broker-path";
    private final EventCodec codec = new EventCodec();

    @Test
    void goodEventsSurviveTheBrokerAndBadOnesAreRejectedWithTheirReasons(EmbeddedStack stack) throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec(TOPIC, 3)));

        List<MetricEvent> good = List.of(
                MetricEvent.request(1_700_000_000_000L, "checkout", "GET /cart/{id}", "checkout-1", 12.5, 200, "GET"),
                MetricEvent.request(1_700_000_000_001L, "checkout", "POST /cart", null, 812.25, 503, "POST"),
                MetricEvent.query(1_700_000_000_002L, "checkout-db", "SELECT cart", null, 3.5, false, 12),
                MetricEvent.cache(1_700_000_000_003L, "checkout", "plan_catalog", null, false, CacheLevel.L2, 0.4, false),
                MetricEvent.scrape(1_700_000_000_004L, "crawler", "twitter", "w-7", 4100, true, 0));
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("{\"type\":\"request\",\"service\":\"checkout\",\"name\":\"GET /\",\"duration_ms\":1,\"status\":200}",
                "missing field \"ts\"");
        bad.put("[1,2,3]", "expected a JSON object, got an array");
        bad.put("{\"type\":\"query\",\"ts\":1,\"service\":\"db\",\"name\":\"q\",\"duration_ms\":-4}",
                "duration_ms must be >= 0, got -4.0");
        bad.put("{\"type\":\"request\",\"ts\":1,\"service\":\"api\",\"name\":\"GET /\",\"duration_ms\":1,\"status\":700}",
                "status must be between 100 and 599, got 700");
        bad.put("{\"type\":\"gauge\",\"ts\":1,\"service\":\"api\",\"name\":\"x\"}",
                "unknown type \"gauge\" (expected request, query, cache or scraper)");

        Map<String, Object> producerConfig = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (MetricEvent e : good) {
                producer.send(new ProducerRecord<>(TOPIC, utf8(e.service()), codec.encode(e)));
            }
            for (String json : bad.keySet()) {
                producer.send(new ProducerRecord<>(TOPIC, utf8("bad"), utf8(json)));
            }
            producer.flush();
        }

        List<ConsumerRecord<byte[], byte[]>> records = consumeAll(stack, good.size() + bad.size());

        List<MetricEvent> decoded = new ArrayList<>();
        Map<String, String> rejected = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            try {
                MetricEvent e = codec.decode(r.value());
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(e.service());
                decoded.add(e);
            } catch (InvalidEventException e) {
                rejected.put(new String(r.value(), StandardCharsets.UTF_8), e.reason());
            }
        }
        assertThat(decoded).containsExactlyInAnyOrderElementsOf(good);
        assertThat(rejected).containsExactlyInAnyOrderEntriesOf(bad);
    }

    private static List<ConsumerRecord<byte[], byte[]>> consumeAll(EmbeddedStack stack, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "broker-path-it",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(250)).forEach(records::add);
            }
        }
        assertThat(records).hasSize(expected);
        return records;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
