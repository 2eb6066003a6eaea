package dev.vigil.agent;

import dev.vigil.sample.SampleService;
import dev.vigil.events.EventCodec;
import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;
import dev.vigil.testing.EmbeddedStackExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The -javaagent jar attached to a real service ({@link SampleService}) in its own JVM: the same requests
 * once without and once with the agent; the answers must be the same bytes, and the agent's events in
 * Kafka must name, count and time what the service did.
 */
@ExtendWith(EmbeddedStackExtension.class)
class JavaAgentIT {

    private static final String TOPIC = "agent.javaagent";
    private static final Pattern READY = Pattern.compile("ready http=(\\d+) servlet=(\\d+)");
    private static final Pattern MEASURED = Pattern.compile("measured (.+) (\\d+)");
    private static final String UUID_PATH = "/users/3f2b8c1e-9d4a-4c3b-8e7f-0a1b2c3d4e5f/orders";

    private static Run without;
    private static Run with;
    private static String service;

    @BeforeAll
    static void runTheServiceTwice(EmbeddedStack stack) throws Exception {
        stack.kafka().createTopics(List.of(new TopicSpec(TOPIC, 2)));
        service = "sample-" + Long.toHexString(System.nanoTime());
        without = Run.of(stack, null);
        with = Run.of(stack, agentJar() + "=service=" + service + ",bootstrap.servers=" + stack.kafkaBootstrapServers()
                + ",topic=" + TOPIC + ",linger.ms=5");
    }

    @Test
    void theServiceAnswersTheSameBytesWithAndWithoutTheAgent() {
        assertThat(with.answers).hasSize(without.answers.size());
        for (int i = 0; i < without.answers.size(); i++) {
            assertThat(with.answers.get(i)).as("answer %d", i).isEqualTo(without.answers.get(i));
        }
        assertThat(with.answers.get(0)).isEqualTo("GET /items/1 -> 200 apple");
        assertThat(with.answers).contains("GET /fail -> IOException",
                "GET /direct -> 200 kept java.lang.IllegalStateException: boom from the handler",
                "GET /query-error -> 500 caught org.postgresql.util.PSQLException state 42P01");
        assertThat(with.exitCode).isZero();
        assertThat(without.exitCode).isZero();
    }

    @Test
    void requestsQueriesAndOutboundCallsArriveAsEvents(EmbeddedStack stack) {
        List<MetricEvent> events = read(stack.kafkaBootstrapServers(), service);
        Map<String, Long> counts = events.stream().collect(Collectors.groupingBy(
                e -> e.type() + " " + e.name() + (e.type() == EventType.REQUEST ? " " + e.status() : "") + (e.error() ? " error" : ""),
                TreeMap::new, Collectors.counting()));
        Map<String, Long> expected = new TreeMap<>();
        // 4 direct item requests, 2 from /outbound calling back into the service, 1 last before exit
        expected.put("REQUEST GET /items/{id} 200", 6L);
        expected.put("REQUEST GET /items/{id} 404", 1L);
        expected.put("REQUEST GET /users/{id}/orders 200", 1L);
        expected.put("REQUEST GET /fail 500 error", 2L); // the JDK client retries a GET once when the connection closes unanswered
        expected.put("REQUEST GET /query-error 500 error", 1L);
        expected.put("REQUEST GET /outbound 200", 1L);
        expected.put("REQUEST GET /direct 200", 1L); // the handler it calls itself is inside it: not a second request
        expected.put("REQUEST GET /orders/{id} 200", 2L);
        expected.put("REQUEST GET /orders/boom 500 error", 1L);
        // one per item and order request through the pool: the pool's wrapper and the driver count once
        expected.put("QUERY SELECT agent_items", 9L);
        expected.put("QUERY SELECT agent_nosuch error", 1L);
        expected.put("QUERY CREATE", 1L);
        expected.put("QUERY INSERT agent_items", 1L);
        expected.put("SCRAPER localhost", 1L);
        expected.put("SCRAPER 127.0.0.1", 1L);
        assertThat(counts).isEqualTo(expected);
        assertThat(events).allSatisfy(e -> assertThat(e.instance()).isNotBlank());
    }

    @Test
    void durationsAreWhatTheServiceMeasuredItself(EmbeddedStack stack) {
        List<Long> agent = read(stack.kafkaBootstrapServers(), service).stream()
                .filter(e -> e.type() == EventType.REQUEST && e.name().equals("GET /items/{id}"))
                .map(MetricEvent::durationNanos).sorted().toList();
        List<Long> own = with.measured.stream().sorted().toList();
        assertThat(agent).hasSameSizeAs(own);
        for (int i = 0; i < own.size(); i++) {
            // the agent times the whole exchange around the handler's own timing
            assertThat(agent.get(i)).as("request %d: agent %d ns, service %d ns", i, agent.get(i), own.get(i))
                    .isBetween(own.get(i), own.get(i) + TimeUnit.MILLISECONDS.toNanos(25));
        }
    }

    @Test
    void aClassThatCannotBeInstrumentedIsNamedOnceAndTheServiceRunsOn() {
        List<String> cannot = with.stderr.stream().filter(l -> l.contains("could not instrument")).toList();
        assertThat(cannot).as("stderr: %s", with.stderr).hasSize(1);
        assertThat(cannot.get(0)).contains("dev.vigil.sample.ClashingStatement", "for jdbc", "runs uninstrumented");
        assertThat(with.stderr).anyMatch(l -> l.contains("vigil-agent") && l.contains("started: service=" + service));
        assertThat(with.stderr).noneMatch(l -> l.contains("instrumentation failed"));
        assertThat(with.stderr).as("no JVM warning (class-data sharing stays on)").noneMatch(l -> l.contains("VM warning"));
        assertThat(without.stderr).noneMatch(l -> l.contains("vigil-agent"));
    }

    @Test
    void aMistakeInTheAgentArgumentsIsOneLineAndTheServiceStillRuns(EmbeddedStack stack) throws Exception {
        Run run = Run.of(stack, agentJar() + "=servce=shop,bootstrap.servers=" + stack.kafkaBootstrapServers());
        assertThat(run.answers).isEqualTo(without.answers);
        assertThat(run.stderr).anyMatch(l -> l.contains("not started: unknown agent argument 'servce'"));
        assertThat(run.exitCode).isZero();
    }

    // ---- running the service ---------------------------------------------------------------------

    private static Path agentJar() throws IOException {
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-javaagent.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no *-javaagent.jar under target: run mvn package first"))
                    .toAbsolutePath();
        }
    }

    /** One run of the sample service: its answers to a fixed script, its own timings, its stderr. */
    private static final class Run {
        final List<String> answers = new ArrayList<>();
        final List<Long> measured = new ArrayList<>();
        final List<String> stderr;
        final int exitCode;

        private Run(List<String> stderr, int exitCode) {
            this.stderr = stderr;
            this.exitCode = exitCode;
        }

        static Run of(EmbeddedStack stack, String javaagent) throws Exception {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (javaagent != null) {
                command.add("-javaagent:" + javaagent);
            }
            command.addAll(List.of("-Xmx256m", "-cp", serviceClassPath(), SampleService.class.getName(),
                    stack.postgresJdbcUrl()));
            Path err = Files.createTempFile("sample-service", ".err");
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            Matcher ready = null;
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                Matcher m = READY.matcher(line);
                if (m.matches()) {
                    ready = m;
                    break;
                }
            }
            if (ready == null) {
                p.destroyForcibly();
                throw new IllegalStateException("the sample service did not start: " + lines + "\n" + Files.readString(err));
            }
            String http = "http://127.0.0.1:" + ready.group(1);
            String servlet = "http://127.0.0.1:" + ready.group(2);
            List<String> answers = new ArrayList<>();
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (String path : List.of("/items/1", "/items/2", "/items/3", "/items/99", UUID_PATH, "/fail",
                    "/query-error", "/outbound", "/direct")) {
                answers.add(get(client, http, path));
            }
            for (String path : List.of("/orders/7", "/orders/8", "/orders/boom")) {
                answers.add(get(client, servlet, path));
            }
            answers.add(get(client, http, "/items/3")); // the last event before exit: flushed at exit
            try (Writer in = p.outputWriter(StandardCharsets.UTF_8)) {
                in.write("exit\n");
            }
            List<Long> measured = new ArrayList<>();
            while ((line = out.readLine()) != null) {
                Matcher m = MEASURED.matcher(line);
                if (m.matches()) {
                    measured.add(Long.parseLong(m.group(2)));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("the sample service did not exit");
            }
            Run run = new Run(Files.readAllLines(err), p.exitValue());
            run.answers.addAll(answers);
            run.measured.addAll(measured);
            Files.delete(err);
            return run;
        }

        private static String get(HttpClient client, String base, String path) throws InterruptedException {
            String label = "GET " + path.replace(UUID_PATH, "/users/UUID/orders");
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                // the one thing that differs by design between runs: the port the service listens on
                return label + " -> " + r.statusCode() + " " + r.body().replace(base, "http://127.0.0.1:PORT");
            } catch (IOException e) {
                return label + " -> IOException";
            }
        }

        /** This test's class path without the agent's own classes: the service knows nothing of Vigil. */
        private static String serviceClassPath() {
            return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(entry -> !(entry.contains("ingest-agent" + File.separator + "target") && !entry.endsWith("test-classes")))
                    .collect(Collectors.joining(File.pathSeparator));
        }
    }

    private static List<MetricEvent> read(String bootstrap, String service) {
        EventCodec codec = new EventCodec();
        List<MetricEvent> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    for (MetricEvent e : codec.decodeRecord(r.value())) {
                        if (e.service().equals(service)) {
                            out.add(e);
                        }
                    }
                }
            }
        }
        return out;
    }
}
