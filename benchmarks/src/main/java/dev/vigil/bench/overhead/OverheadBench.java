package dev.vigil.bench.overhead;

import dev.vigil.events.EventCodec;
import dev.vigil.events.EventType;
import dev.vigil.events.MetricEvent;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The -javaagent's cost on a real service, measured the way OpenTelemetry's overhead benchmark does it:
 * {@link OverheadService} in its own JVM, loaded by {@code wrk} without and with the agent attached,
 * alternating, several rounds; throughput, p50/p99 latency and the service process's CPU per request.
 * The agent sends to a real (embedded) broker, and every request it recorded is counted back from Kafka.
 */
public final class OverheadBench {

    private static final String TOPIC = "bench.overhead";
    /** The machine's CPUs, read before this JVM pins itself (the JVM then sees only its own). */
    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final Pattern READY = Pattern.compile("ready port=(\\d+)");
    private static final Pattern SERVED = Pattern.compile("served (\\d+)");
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern PERCENTILE = Pattern.compile("\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)");

    /**
     * @param seconds    of each measured wrk run; {@code connections} and {@code threads} are wrk's
     * @param rounds     measured runs of each service per JVM pair, alternating
     * @param serviceCpu the CPU the service runs on alone (taskset), everything else (wrk, PostgreSQL, the
     *                   broker) on the others; -1: no pinning
     * @param jvms       pairs of service JVMs (one without the agent, one with), one after the other
     */
    public record Settings(int seconds, int warmupSeconds, int connections, int threads, int rounds, int serviceCpu,
                           int jvms) {
        public Settings(int seconds, int warmupSeconds, int connections, int threads, int rounds) {
            this(seconds, warmupSeconds, connections, threads, rounds, -1, 1);
        }

        public Settings {
            if (seconds < 1 || warmupSeconds < 0 || connections < 1 || threads < 1 || rounds < 1 || jvms < 1) {
                throw new IllegalArgumentException("--seconds, --connections, --threads, --rounds and --jvms must be >= 1, --warmup >= 0");
            }
        }
    }

    /** One wrk run against one service JVM. */
    record Measure(boolean agent, double rps, double p50Ms, double p99Ms, long requests, double cpuMicrosPerRequest) {
    }

    private OverheadBench() {
    }

    public static void run(Settings s, PrintStream out) throws Exception {
        requireWrk();
        Path agentJar = agentJar();
        if (s.serviceCpu() >= 0) {
            pinThisProcess(s); // before the stack starts: PostgreSQL and the broker inherit it
        }
        try (EmbeddedStack stack = EmbeddedStack.builder().start()) {
            stack.kafka().createTopics(List.of(new TopicSpec(TOPIC, 2)));
            String db = stack.postgres().createDatabase("bench_overhead");
            try (Connection c = DriverManager.getConnection(db); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE bench_items (id int PRIMARY KEY, name text NOT NULL)");
                st.execute("INSERT INTO bench_items SELECT i, 'item ' || i FROM generate_series(1, 1000) i");
            }
            out.printf("agent jar: %s%nwrk: %d threads, %d connections; %d pair(s) of service JVMs, each warmed up %d s, "
                            + "then %d runs of %d s each, alternating%n",
                    agentJar, s.threads(), s.connections(), s.jvms(), s.warmupSeconds(), s.rounds(), s.seconds());
            if (s.serviceCpu() >= 0) {
                out.printf("the service alone on CPU %d; wrk, PostgreSQL and the broker on CPUs %s%n", s.serviceCpu(), otherCpus(s));
            }
            List<Measure> without = new ArrayList<>();
            List<Measure> with = new ArrayList<>();
            boolean complete = true;
            for (int pair = 1; pair <= s.jvms(); pair++) {
                String name = "overhead-" + pair;
                String extra = System.getenv("VIGIL_OVERHEAD_AGENT_ARGS"); // e.g. linger.ms=100 to compare settings
                String agentArgs = agentJar + "=service=" + name + ",bootstrap.servers=" + stack.kafkaBootstrapServers()
                        + ",topic=" + TOPIC + (extra == null || extra.isBlank() ? "" : "," + extra.trim());
                long served;
                try (Service plain = Service.start(s, db, null); Service agent = Service.start(s, db, agentArgs)) {
                    wrk(s, s.warmupSeconds(), plain.url);
                    wrk(s, s.warmupSeconds(), agent.url);
                    for (int round = 1; round <= s.rounds(); round++) {
                        // ABBA: a VM that speeds up or slows down during a round favours neither side
                        Service first = round % 2 == 1 ? plain : agent;
                        Service second = first == plain ? agent : plain;
                        Measure a = first.measure(s);
                        Measure b = second.measure(s);
                        Measure w = a.agent() ? a : b;
                        Measure wo = a.agent() ? b : a;
                        with.add(w); // with.get(i) and without.get(i) are one round's runs
                        without.add(wo);
                        for (Measure m : List.of(wo, w)) {
                            out.printf(Locale.ROOT, "jvms %d round %d %-13s rps=%.0f p50_ms=%.3f p99_ms=%.3f cpu_us_per_request=%.1f%n",
                                    pair, round, m.agent() ? "with agent" : "without agent", m.rps(), m.p50Ms(), m.p99Ms(),
                                    m.cpuMicrosPerRequest());
                        }
                    }
                    plain.stop();
                    served = agent.stop();
                }
                long recorded = recordedRequests(stack.kafkaBootstrapServers(), name);
                out.printf("jvms %d: the service with the agent served %d requests, the agent recorded %d%n", pair, served, recorded);
                complete &= recorded == served;
            }
            out.printf(Locale.ROOT, "medians: without agent rps=%.0f p99_ms=%.3f cpu_us_per_request=%.1f; with agent "
                            + "rps=%.0f p99_ms=%.3f cpu_us_per_request=%.1f; every served request recorded: %s%n",
                    median(without, Measure::rps), median(without, Measure::p99Ms), median(without, Measure::cpuMicrosPerRequest),
                    median(with, Measure::rps), median(with, Measure::p99Ms), median(with, Measure::cpuMicrosPerRequest),
                    complete ? "yes" : "NO");
            double rps = median(with, Measure::rps) / median(without, Measure::rps);
            double p99 = median(with, Measure::p99Ms) / median(without, Measure::p99Ms);
            double cpu = median(with, Measure::cpuMicrosPerRequest) / median(without, Measure::cpuMicrosPerRequest);
            // Interference on a shared VM only ever slows a run down, so each side's best run is a second,
            // steadier estimate next to the medians: the best with the agent against the best without.
            double bestRps = best(with, Measure::rps, true) / best(without, Measure::rps, true);
            double bestP99 = best(with, Measure::p99Ms, false) / best(without, Measure::p99Ms, false);
            double bestCpu = best(with, Measure::cpuMicrosPerRequest, false) / best(without, Measure::cpuMicrosPerRequest, false);
            // A third: each round's runs happen back to back on the same pair of warm JVMs, so their ratio
            // leaves out what changed between rounds; the median of those ratios, and their quartiles.
            double[] cpuRatios = roundRatios(with, without, Measure::cpuMicrosPerRequest);
            out.printf(Locale.ROOT, "agent-overhead rps_ratio=%.3f p99_ratio=%.3f cpu_per_request_ratio=%.3f "
                            + "best_rps_ratio=%.3f best_p99_ratio=%.3f best_cpu_per_request_ratio=%.3f "
                            + "paired_rps_ratio=%.3f paired_p99_ratio=%.3f paired_cpu_per_request_ratio=%.3f "
                            + "paired_cpu_q1=%.3f paired_cpu_q3=%.3f pairs=%d%n",
                    rps, p99, cpu, bestRps, bestP99, bestCpu,
                    medianOf(roundRatios(with, without, Measure::rps)), medianOf(roundRatios(with, without, Measure::p99Ms)),
                    medianOf(cpuRatios), quantileOf(cpuRatios, 0.25), quantileOf(cpuRatios, 0.75), cpuRatios.length);
            if (!complete) {
                throw new IllegalStateException("the agent recorded fewer requests than the service served");
            }
        }
    }

    /** One service JVM, with or without the agent, alive across several measured runs. */
    private static final class Service implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final String url;
        final Path err;
        final boolean agent;

        private Service(Process process, BufferedReader out, String url, Path err, boolean agent) {
            this.process = process;
            this.out = out;
            this.url = url;
            this.err = err;
            this.agent = agent;
        }

        static Service start(Settings s, String db, String javaagent) throws IOException {
            List<String> command = new ArrayList<>();
            if (s.serviceCpu() >= 0) {
                command.addAll(List.of("taskset", "-c", Integer.toString(s.serviceCpu())));
            }
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (javaagent != null) {
                command.add("-javaagent:" + javaagent);
            }
            String extra = System.getenv("VIGIL_OVERHEAD_SERVICE_OPTS"); // e.g. a profiler's options
            if (extra != null && !extra.isBlank()) {
                command.addAll(Arrays.asList(extra.trim().split("\\s+")));
            }
            // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs: 40 ms a request.
            command.addAll(List.of("-Xmx512m", "-Dsun.net.httpserver.nodelay=true", "-cp", serviceClassPath(),
                    OverheadService.class.getName(), db));
            Path err = Files.createTempFile("overhead-service", ".err");
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            Matcher ready = null;
            List<String> before = new ArrayList<>(); // a profiler given in VIGIL_OVERHEAD_SERVICE_OPTS may print first
            while (ready == null && (line = out.readLine()) != null) {
                Matcher m = READY.matcher(line);
                if (m.matches()) {
                    ready = m;
                } else {
                    before.add(line);
                }
            }
            if (ready == null) {
                p.destroyForcibly();
                throw new IllegalStateException("the service did not start: " + before + "\n" + Files.readString(err));
            }
            return new Service(p, out, "http://127.0.0.1:" + ready.group(1) + "/items/42", err, javaagent != null);
        }

        Measure measure(Settings s) throws IOException, InterruptedException {
            long cpuBefore = cpuNanos(process);
            String report = wrk(s, s.seconds(), url);
            long cpuAfter = cpuNanos(process);
            long requests = Long.parseLong(find(REQUESTS, report, 1));
            double p50 = 0;
            double p99 = 0;
            Matcher m = PERCENTILE.matcher(report);
            while (m.find()) {
                double ms = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                    case "us" -> 0.001;
                    case "s" -> 1000.0;
                    default -> 1.0;
                };
                if (m.group(1).equals("50")) {
                    p50 = ms;
                } else {
                    p99 = ms;
                }
            }
            return new Measure(agent, Double.parseDouble(find(RPS, report, 1)), p50, p99, requests,
                    (cpuAfter - cpuBefore) / 1000.0 / requests);
        }

        /** Stops the service; the requests it served over its whole life (warm-up included). */
        long stop() throws IOException, InterruptedException {
            process.getOutputStream().close();
            long served = -1;
            String line;
            while ((line = out.readLine()) != null) {
                Matcher m = SERVED.matcher(line);
                if (m.matches()) {
                    served = Long.parseLong(m.group(1));
                }
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return served;
        }

        @Override
        public void close() throws IOException {
            process.destroyForcibly();
            Files.deleteIfExists(err);
        }
    }

    private static String wrk(Settings s, int seconds, String url) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (s.serviceCpu() >= 0) {
            command.addAll(List.of("taskset", "-c", otherCpus(s)));
        }
        command.addAll(List.of("wrk", "-t" + s.threads(), "-c" + s.connections(), "-d" + seconds + "s", "--latency", url));
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        String report = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0 || report.contains("Non-2xx")) {
            throw new IllegalStateException("wrk failed or got errors:\n" + report);
        }
        return report;
    }

    /** Every CPU but the service's, as taskset's list. */
    private static String otherCpus(Settings s) {
        int cpus = CPUS;
        if (s.serviceCpu() >= cpus || cpus < 2) {
            throw new IllegalArgumentException("--service-cpu " + s.serviceCpu() + " needs another CPU besides it; this machine has " + cpus);
        }
        return java.util.stream.IntStream.range(0, cpus).filter(c -> c != s.serviceCpu())
                .mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    /** Moves every thread of this JVM (and so the PostgreSQL and broker it starts) off the service's CPU. */
    private static void pinThisProcess(Settings s) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", otherCpus(s), Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("--service-cpu needs taskset (util-linux): " + said);
        }
    }

    /** CPU time of the whole service process, every thread (the agent's included). */
    private static long cpuNanos(Process p) {
        return p.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no CPU time for the service")).toNanos();
    }

    /** Requests the agent recorded as answered; the service counts those it answered (not those whose client left). */
    private static long recordedRequests(String bootstrap, String service) {
        EventCodec codec = new EventCodec();
        long n = 0;
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(tp -> new TopicPartition(TOPIC, tp.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    for (MetricEvent e : codec.decodeRecord(r.value())) {
                        if (e.type() == EventType.REQUEST && !e.error() && e.service().equals(service)) {
                            n++;
                        }
                    }
                }
            }
        }
        return n;
    }

    private static void requireWrk() {
        try {
            new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("vigil bench overhead needs wrk on the PATH (Debian: apt-get install wrk)");
        }
    }

    /** The -javaagent jar the build put under ingest-agent/target. */
    private static Path agentJar() throws IOException {
        Path target = Path.of(System.getProperty("vigil.home", "."), "ingest-agent", "target");
        if (Files.isDirectory(target)) {
            try (var files = Files.list(target)) {
                var jar = files.filter(f -> f.getFileName().toString().endsWith("-javaagent.jar")).findFirst();
                if (jar.isPresent()) {
                    return jar.get().toAbsolutePath();
                }
            }
        }
        throw new IllegalStateException("no *-javaagent.jar under " + target.toAbsolutePath()
                + ": build it with ./mvnw -pl ingest-agent -am package -DskipTests");
    }

    /** This benchmark's classes and what the service needs (pool, driver, logging API): nothing of Vigil's agent. */
    private static String serviceClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.endsWith(File.separator + "classes") && e.contains("benchmarks")
                        || e.contains("HikariCP") || e.contains(File.separator + "postgresql-") || e.contains("slf4j-api"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static String find(Pattern pattern, String text, int group) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("wrk's report lacks " + pattern + ":\n" + text);
        }
        return m.group(group);
    }

    /** The highest value (or the lowest, for costs) of the runs. */
    private static double best(List<Measure> ms, java.util.function.ToDoubleFunction<Measure> f, boolean highest) {
        return highest ? ms.stream().mapToDouble(f).max().orElseThrow() : ms.stream().mapToDouble(f).min().orElseThrow();
    }

    private static double median(List<Measure> ms, java.util.function.ToDoubleFunction<Measure> f) {
        return medianOf(ms.stream().mapToDouble(f).sorted().toArray());
    }

    /** Each round's with/without ratio of {@code f}, ascending. */
    private static double[] roundRatios(List<Measure> with, List<Measure> without, java.util.function.ToDoubleFunction<Measure> f) {
        return java.util.stream.IntStream.range(0, with.size())
                .mapToDouble(i -> f.applyAsDouble(with.get(i)) / f.applyAsDouble(without.get(i))).sorted().toArray();
    }

    private static double medianOf(double[] sorted) {
        return quantileOf(sorted, 0.5);
    }

    /** Linear interpolation between the closest ranks of an ascending array. */
    private static double quantileOf(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
    }
}
