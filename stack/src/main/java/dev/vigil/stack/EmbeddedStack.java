package dev.vigil.stack;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kafka, PostgreSQL and Redis running locally for real, started together and stopped together.
 *
 * <p>{@code vigil stack}, {@code vigil demo} and the integration tests all start this class, so users
 * and tests run against the same services. Everything a run writes lives under one temporary folder
 * that {@link #close()} deletes; only the unpacked PostgreSQL binaries are cached (see
 * {@link Builder#cacheDir(Path)}).
 *
 * <pre>{@code
 * try (EmbeddedStack stack = EmbeddedStack.builder().topic("metrics.events", 4).start()) {
 *     stack.kafkaBootstrapServers(); stack.postgresJdbcUrl(); stack.redisUrl();
 * }
 * }</pre>
 */
public final class EmbeddedStack implements AutoCloseable {

    private final Path runDir;
    private final EmbeddedKafkaBroker kafka;
    private final EmbeddedPostgresServer postgres;
    private final EmbeddedRedisServer redis;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /**
     * Stops the services when the JVM exits first (Ctrl-C, SIGTERM, a {@code main} that returns without
     * closing): PostgreSQL and Redis are processes of their own and would otherwise outlive it.
     */
    private final Thread onExit = new Thread(this::close, "vigil-stack-exit");

    private EmbeddedStack(Path runDir, EmbeddedKafkaBroker kafka, EmbeddedPostgresServer postgres,
                          EmbeddedRedisServer redis) {
        this.runDir = runDir;
        this.kafka = kafka;
        this.postgres = postgres;
        this.redis = redis;
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String postgresJdbcUrl() {
        return postgres.jdbcUrl();
    }

    public String redisUrl() {
        return redis.url();
    }

    /** The folder holding this run's data (Kafka logs, PostgreSQL data, Redis files); deleted on close. */
    public Path runDirectory() {
        return runDir;
    }

    public EmbeddedKafkaBroker kafka() {
        return kafka;
    }

    public EmbeddedPostgresServer postgres() {
        return postgres;
    }

    public EmbeddedRedisServer redis() {
        return redis;
    }

    /**
     * Stops Redis, PostgreSQL and Kafka (in that order: the reverse of start) and deletes the run
     * folder. Every service is stopped even if another fails to; the first failure is rethrown. Runs
     * by itself when the JVM exits before it is called.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitStopped(); // a second caller (another shutdown hook) returns once the services are down
            return;
        }
        try {
            stop();
        } finally {
            stopped.countDown();
        }
    }

    private void stop() {
        if (Thread.currentThread() != onExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException exiting) {
                // the JVM is already exiting: the hook may run, and finds the stack closed
            }
        }
        StackException failure = null;
        for (AutoCloseable service : new AutoCloseable[] {redis, postgres, kafka}) {
            try {
                service.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new StackException("stopping the stack: " + e.getMessage(), e);
                }
            }
        }
        TempDirs.deleteRecursively(runDir);
        if (failure != null) {
            throw failure;
        }
    }

    private void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller gave up waiting; the first caller still stops them
        }
    }

    /** Ports default to 0: each service on a free port. */
    public static final class Builder {
        private int kafkaPort;
        private int postgresPort;
        private int redisPort;
        private Path cacheDir = defaultCacheDir();
        private final List<TopicSpec> topics = new ArrayList<>();

        private Builder() {
        }

        public Builder kafkaPort(int port) {
            this.kafkaPort = checkPort(port);
            return this;
        }

        public Builder postgresPort(int port) {
            this.postgresPort = checkPort(port);
            return this;
        }

        public Builder redisPort(int port) {
            this.redisPort = checkPort(port);
            return this;
        }

        /** Where PostgreSQL binaries are unpacked once and reused (default {@code ~/.cache/vigil}). */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /** A topic to create once Kafka is up. */
        public Builder topic(String name, int partitions) {
            topics.add(new TopicSpec(name, partitions));
            return this;
        }

        /**
         * Starts Kafka, then PostgreSQL, then Redis, and creates the topics. If any step fails, what
         * was already started is stopped again before the exception leaves.
         */
        public EmbeddedStack start() {
            Path runDir = TempDirs.create("vigil-stack-");
            EmbeddedKafkaBroker kafka = null;
            EmbeddedPostgresServer postgres = null;
            EmbeddedRedisServer redis = null;
            try {
                kafka = EmbeddedKafkaBroker.start(runDir.resolve("kafka"), kafkaPort);
                kafka.createTopics(topics);
                postgres = EmbeddedPostgresServer.start(runDir.resolve("postgres"),
                        cacheDir.resolve("postgres"), postgresPort);
                Path redisDir = runDir.resolve("redis");
                redisDir.toFile().mkdirs();
                redis = EmbeddedRedisServer.start(redisDir, redisPort);
                return new EmbeddedStack(runDir, kafka, postgres, redis);
            } catch (RuntimeException e) {
                for (AutoCloseable started : new AutoCloseable[] {redis, postgres, kafka}) {
                    if (started != null) {
                        try {
                            started.close();
                        } catch (Exception suppressed) {
                            e.addSuppressed(suppressed);
                        }
                    }
                }
                TempDirs.deleteRecursively(runDir);
                throw e;
            }
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, got " + port);
            }
            return port;
        }

        private static Path defaultCacheDir() {
            String override = System.getProperty("vigil.cache.dir");
            if (override != null) {
                return Paths.get(override);
            }
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
            return base.resolve("vigil");
        }
    }
}
