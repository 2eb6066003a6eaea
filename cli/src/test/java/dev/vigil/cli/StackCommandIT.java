package dev.vigil.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code vigil stack} as a user runs it: a separate process whose stdout is the contract, used from
 * outside through ordinary clients, then stopped with SIGTERM.
 */
class StackCommandIT {

    @Test
    void printsTheContractLinesServesAllThreeAndStopsCleanlyOnSigterm() throws Exception {
        Path tmp = Files.createTempDirectory("vigil-stack-it-");
        Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=classpath:vigil-log4j2.xml",
                VigilCli.class.getName(), "stack")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader stdout = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            long started = System.nanoTime();
            String line;
            while ((line = stdout.readLine()) != null) {
                lines.add(line);
                if (line.equals("ready")) {
                    break;
                }
            }
            long readySeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            System.out.printf("vigil stack ready in %d s%n", readySeconds);
            assertThat(readySeconds).isLessThan(60);

            assertThat(lines).hasSize(4);
            assertThat(lines.get(0)).matches("kafka=localhost:\\d+");
            assertThat(lines.get(1)).matches("postgres=jdbc:postgresql://localhost:\\d+/vigil\\?user=vigil&password=vigil");
            assertThat(lines.get(2)).matches("redis=redis://localhost:\\d+");
            assertThat(lines.get(3)).isEqualTo("ready");
            Map<String, String> endpoints = new LinkedHashMap<>();
            for (String l : lines.subList(0, 3)) {
                endpoints.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
            }

            // PostgreSQL: the schema is applied.
            try (Connection c = DriverManager.getConnection(endpoints.get("postgres"));
                 ResultSet rs = c.createStatement().executeQuery("select count(*) from metric_windows")) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
            }

            // Redis answers.
            try (Jedis jedis = new Jedis(URI.create(endpoints.get("redis")))) {
                assertThat(jedis.ping()).isEqualTo("PONG");
            }

            // Kafka: produce to and consume from metrics.events.
            String bootstrap = endpoints.get("kafka");
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("metrics.events", "checkout", "{\"hello\":1}")).get();
            }
            Map<String, Object> consumerConfig = Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "stack-it",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (var consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of("metrics.events"));
                List<ConsumerRecord<String, String>> got = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(250)).forEach(got::add);
                }
                assertThat(got).singleElement().satisfies(r -> assertThat(r.key()).isEqualTo("checkout"));
                assertThat(consumer.partitionsFor("metrics.events")).hasSize(4);
                assertThat(consumer.partitionsFor("metrics.events.dlq")).hasSize(1);
            }

            List<ProcessHandle> children = process.descendants().toList();
            assertThat(children).isNotEmpty();

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stack exited after SIGTERM").isTrue();
            for (ProcessHandle child : children) {
                child.onExit().get(10, TimeUnit.SECONDS);
            }
            assertThat(children).noneMatch(ProcessHandle::isAlive);
            try (var left = Files.list(tmp)) {
                assertThat(left).as("files left in the stack's temp folder").isEmpty();
            }
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Files.deleteIfExists(tmp);
        }
    }
}
