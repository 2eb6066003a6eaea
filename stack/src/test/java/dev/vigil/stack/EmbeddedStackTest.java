package dev.vigil.stack;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Starts its own stack (not the shared one) because it checks what stopping leaves behind. */
class EmbeddedStackTest {

    @Test
    void startsRealServicesAndStopsWithoutLeftovers() throws Exception {
        List<ProcessHandle> children;
        Path runDir;
        try (EmbeddedStack stack = EmbeddedStack.builder().topic("t.events", 3).start()) {
            // Kafka: the topic exists with its partitions, and a record goes round trip.
            String bootstrap = stack.kafkaBootstrapServers();
            assertThat(bootstrap).startsWith("localhost:");
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("t.events", "svc", "hello")).get();
            }
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                    new StringDeserializer(), new StringDeserializer())) {
                assertThat(consumer.partitionsFor("t.events")).hasSize(3);
                List<TopicPartition> partitions = consumer.partitionsFor("t.events").stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                List<ConsumerRecord<String, String>> got = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(got::add);
                }
                assertThat(got).singleElement().satisfies(r -> {
                    assertThat(r.key()).isEqualTo("svc");
                    assertThat(r.value()).isEqualTo("hello");
                });
            }

            // PostgreSQL: the application database answers with the credentials in the URL.
            try (Connection c = DriverManager.getConnection(stack.postgresJdbcUrl());
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select current_user, current_database(), version()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("vigil");
                assertThat(rs.getString(2)).isEqualTo("vigil");
                assertThat(rs.getString(3)).startsWith("PostgreSQL 17");
            }

            // Redis: a real server.
            try (Jedis jedis = new Jedis(java.net.URI.create(stack.redisUrl()))) {
                assertThat(jedis.ping()).isEqualTo("PONG");
                jedis.set("k", "v");
                assertThat(jedis.get("k")).isEqualTo("v");
            }

            children = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
            assertThat(children).isNotEmpty(); // postgres and redis-server
            runDir = stack.runDirectory();
            assertThat(runDir).exists();
        }

        for (ProcessHandle child : children) {
            child.onExit().get(10, TimeUnit.SECONDS);
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(runDir).doesNotExist();
    }

    /** A JVM that is stopped (SIGTERM, as Ctrl-C) without closing its stack still stops the services. */
    @Test
    void servicesStopWithTheJvmThatStartedThem() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                StackUntilTerminated.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String line;
            try (var out = new BufferedReader(new InputStreamReader(jvm.getInputStream()))) {
                String postgres = null;
                do {
                    line = out.readLine();
                    if (line != null && line.startsWith("postgres=")) {
                        postgres = line.substring("postgres=".length());
                    }
                } while (line != null && !line.startsWith("run-dir="));
                assertThat(line).as("the child JVM's run folder").isNotNull();
                Path runDir = Path.of(line.substring("run-dir=".length()));
                List<ProcessHandle> services = jvm.toHandle().descendants().filter(ProcessHandle::isAlive).toList();
                assertThat(services).isNotEmpty(); // postgres and redis-server

                jvm.destroy(); // SIGTERM
                assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
                for (ProcessHandle service : services) {
                    service.onExit().get(10, TimeUnit.SECONDS);
                }
                assertThat(runDir).doesNotExist();
                String url = postgres;
                // PostgreSQL runs detached from the JVM (pg_ctl): it must be stopped, not only orphaned
                assertThatThrownBy(() -> DriverManager.getConnection(url).close())
                        .isInstanceOf(SQLException.class);
            }
        } finally {
            jvm.destroyForcibly();
        }
    }

    @Test
    void pinnedPortsAreTheOnesServed() throws Exception {
        int kafkaPort = Ports.orFree(0);
        int postgresPort = Ports.orFree(0);
        int redisPort = Ports.orFree(0);
        try (EmbeddedStack stack = EmbeddedStack.builder().kafkaPort(kafkaPort).postgresPort(postgresPort)
                .redisPort(redisPort).topic("pinned", 1).start()) {
            assertThat(stack.kafkaBootstrapServers()).isEqualTo("localhost:" + kafkaPort);
            assertThat(stack.postgresJdbcUrl()).startsWith("jdbc:postgresql://localhost:" + postgresPort + "/");
            assertThat(stack.redisUrl()).isEqualTo("redis://localhost:" + redisPort);
            try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", "localhost:" + kafkaPort),
                    new StringSerializer(), new StringSerializer())) {
                assertThat(producer.send(new ProducerRecord<>("pinned", "k", "v")).get().offset()).isZero();
            }
            try (Connection c = DriverManager.getConnection(stack.postgresJdbcUrl())) {
                assertThat(c.isValid(5)).isTrue();
            }
        }
    }

    @Test
    void createsIsolatedDatabasesOnOneServer() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.builder().start()) {
            String url = stack.postgres().createDatabase("isolated_one");
            try (Connection c = DriverManager.getConnection(url);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("isolated_one");
            }
        }
    }

}
