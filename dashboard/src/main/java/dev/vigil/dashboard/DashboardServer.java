package dev.vigil.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.redis.RedisUrl;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.staticfiles.Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code vigil serve}: the JSON API (docs/api.md) and the web page, over PostgreSQL read-only, with live
 * alerts from Redis when a URL is given. Build with {@link #builder()}, {@link #start()}, then
 * {@link #close()}.
 */
public final class DashboardServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final Settings settings;
    private HikariDataSource pool;
    private StatusQueries queries;
    private AlertFeed feed;
    private Javalin app;
    private final java.util.List<SseClient> streams = new CopyOnWriteArrayList<>();
    private Thread heartbeat;

    /** What the server is told once, at the edge (the command line or a test). */
    public record Settings(PostgresUrl postgres, RedisUrl redis, String bind, int port, Clock clock) {
        public Settings {
            Objects.requireNonNull(postgres, "postgres");
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(clock, "clock");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535 (0: any free port), not " + port);
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private DashboardServer(Settings settings) {
        this.settings = settings;
    }

    /**
     * Connects to PostgreSQL (read-only), checks the schema, starts following Redis and starts serving.
     *
     * @throws IllegalStateException with a one-line reason when PostgreSQL is unreachable, the schema is
     *                               missing, or the port is taken
     */
    public DashboardServer start() {
        pool = new HikariDataSource(poolConfig(settings.postgres()));
        queries = new StatusQueries(pool);
        try {
            String missing = queries.missingSchema();
            if (missing != null) {
                close();
                throw new IllegalStateException(missing + "; run ./vigil migrate --postgres URL (or start the job once)");
            }
        } catch (SQLException e) {
            close();
            throw new IllegalStateException("cannot read PostgreSQL at " + settings.postgres() + ": " + rootMessage(e), e);
        }
        if (settings.redis() != null) {
            feed = new AlertFeed(settings.redis());
            feed.onAlert(this::broadcastAlert);
            feed.onLiveChange(live -> streams.forEach(s -> sendStatus(s)));
            feed.start();
        }
        try {
            app = Javalin.create(config -> {
                config.startup.showJavalinBanner = false;
                config.jetty.host = settings.bind();
                config.jetty.port = settings.port();
                config.staticFiles.add(files -> {
                    files.hostedPath = "/";
                    files.directory = "/dashboard";
                    files.location = Location.CLASSPATH;
                });
                config.staticFiles.enableWebjars();
                config.routes.get("/api/services", ctx -> json(ctx, queries.services(range(ctx, Duration.ofHours(1)))));
                config.routes.get("/api/names", ctx -> json(ctx, queries.names(Parameters.required(ctx, "service"),
                        Parameters.type(ctx, "request"), range(ctx, Duration.ofHours(1)))));
                config.routes.get("/api/series", ctx -> json(ctx, queries.series(Parameters.required(ctx, "service"),
                        Parameters.type(ctx, "request"), nameOf(ctx), range(ctx, Duration.ofHours(1)))));
                config.routes.get("/api/sla", ctx -> json(ctx, queries.sla(Parameters.required(ctx, "service"),
                        range(ctx, Duration.ofDays(1)))));
                config.routes.get("/api/alerts", this::alerts);
                config.routes.get("/api/health", this::health);
                config.routes.sse("/api/stream", this::stream);
                config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
                config.routes.exception(SQLTransientConnectionException.class,
                        (e, ctx) -> error(ctx, 503, "PostgreSQL is unreachable: " + e.getMessage()));
                config.routes.exception(SQLException.class, (e, ctx) -> {
                    if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                        error(ctx, 503, "PostgreSQL is unreachable: " + e.getMessage());
                    } else {
                        LOG.error("query failed: {}", ctx.fullUrl(), e);
                        error(ctx, 500, "internal error: the query failed (" + e.getSQLState() + "); see the server's log");
                    }
                });
                config.routes.exception(Exception.class, (e, ctx) -> {
                    LOG.error("request failed: {}", ctx.fullUrl(), e);
                    error(ctx, 500, "internal error: " + e.getClass().getSimpleName() + "; see the server's log");
                });
                config.routes.error(404, ctx -> {
                    if (ctx.path().startsWith("/api/")) {
                        error(ctx, 404, "no such endpoint: " + ctx.path() + " (see docs/api.md)");
                    }
                });
            }).start();
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException("cannot listen on " + settings.bind() + ":" + settings.port() + ": "
                    + rootMessage(e), e);
        }
        heartbeat = new Thread(this::heartbeats, "vigil-serve-heartbeat");
        heartbeat.setDaemon(true);
        heartbeat.start();
        Thread warmUp = new Thread(this::readTheLastDay, "vigil-serve-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        return this;
    }

    /**
     * Reads the overview of the last 24 hours once, in the background, so that the first person to open
     * the dashboard does not wait for every row of the day to be read (the server keeps them: StatusQueries).
     */
    private void readTheLastDay() {
        try {
            Instant now = settings.clock().instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            long t0 = System.nanoTime();
            queries.services(new TimeRange(now.minus(Duration.ofDays(1)), now));
            LOG.info("read the last 24 hours' service rows in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (Exception e) {
            LOG.info("did not read the last 24 hours ahead: {}", rootMessage(e));
        }
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8080/}. */
    public String url() {
        String host = settings.bind().equals("0.0.0.0") ? "localhost" : settings.bind();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + app.port() + "/";
    }

    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.interrupt();
        }
        streams.forEach(SseClient::close);
        if (app != null) {
            app.stop();
        }
        if (feed != null) {
            try {
                feed.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pool != null) {
            pool.close();
        }
    }

    // ---------------------------------------------------------------------------------------------

    private TimeRange range(Context ctx, Duration defaultLength) {
        return TimeRange.parse(Parameters.optional(ctx, "from"), Parameters.optional(ctx, "to"),
                settings.clock().instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), defaultLength);
    }

    private static String nameOf(Context ctx) {
        String name = Parameters.optional(ctx, "name");
        return name == null ? "*" : name;
    }

    private void alerts(Context ctx) throws SQLException {
        String state = Parameters.oneOf(ctx, "state", "active", Set.of("active", "all"));
        String service = Parameters.optional(ctx, "service");
        if (state.equals("active")) {
            json(ctx, queries.activeAlerts(service));
        } else {
            json(ctx, queries.alertHistory(service, range(ctx, Duration.ofDays(1))));
        }
    }

    private void health(Context ctx) {
        ObjectNode out = StatusQueries.JSON.objectNode();
        ObjectNode pg = out.putObject("postgres");
        boolean pgUp;
        try {
            pg.put("latency_ms", queries.pingMillis());
            pgUp = true;
        } catch (SQLException e) {
            pg.put("error", e.getMessage());
            pgUp = false;
        }
        pg.put("reachable", pgUp);
        ObjectNode redis = out.putObject("redis");
        redis.put("configured", feed != null);
        boolean redisUp = true;
        if (feed != null) {
            try {
                redis.put("latency_ms", feed.pingMillis());
            } catch (RuntimeException e) {
                redisUp = false;
                redis.put("error", e.getMessage());
            }
            redis.put("reachable", redisUp);
            redis.put("live_alerts", feed.live());
        }
        out.put("status", !pgUp ? "down" : redisUp ? "ok" : "degraded");
        ctx.status(pgUp ? 200 : 503);
        json(ctx, out);
    }

    /** Server-sent events: {@code status} (whether alerts are live) on connect and on change, {@code alert} per transition. */
    private void stream(SseClient client) {
        client.keepAlive();
        streams.add(client);
        client.onClose(() -> streams.remove(client));
        sendStatus(client);
    }

    private void sendStatus(SseClient client) {
        ObjectNode status = StatusQueries.JSON.objectNode();
        status.put("redis_configured", feed != null);
        status.put("live", feed != null && feed.live());
        client.sendEvent("status", StatusQueries.write(MAPPER, status));
    }

    private void broadcastAlert(String json) {
        for (SseClient client : streams) {
            if (client.terminated()) {
                streams.remove(client);
            } else {
                client.sendEvent("alert", json);
            }
        }
    }

    /** A comment now and then, so proxies keep the connection and closed pages are noticed. */
    private void heartbeats() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(HEARTBEAT.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            for (SseClient client : streams) {
                if (client.terminated()) {
                    streams.remove(client);
                } else {
                    client.sendComment("heartbeat");
                }
            }
        }
    }

    private static void json(Context ctx, JsonNode body) {
        ctx.contentType("application/json").result(StatusQueries.write(MAPPER, body));
    }

    private static void error(Context ctx, int status, String message) {
        ObjectNode body = StatusQueries.JSON.objectNode().put("error", message);
        ctx.status(status);
        json(ctx, body);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /**
     * A small read-only pool: every session is read-only (so even an owner's URL cannot write through
     * this server), a statement stops after 30 s, and merges hash in memory.
     */
    private static HikariConfig poolConfig(PostgresUrl url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url.jdbc());
        config.setPoolName("vigil-serve");
        config.setReadOnly(true);
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(5_000);
        config.setInitializationFailTimeout(-1); // the schema check below says what is wrong, in one line
        // work_mem: merging a day of a fleet's hourly histograms hashes ~180,000 (service, bucket) groups;
        // at the default 4 MB the hash spills to disk in batches (measured: twice as slow).
        config.addDataSourceProperty("options", "-c default_transaction_read_only=on -c statement_timeout=30s -c work_mem=64MB");
        config.addDataSourceProperty("ApplicationName", "vigil serve");
        return config;
    }

    public static final class Builder {
        private PostgresUrl postgres;
        private RedisUrl redis;
        private String bind = "127.0.0.1";
        private int port = 8080;
        private Clock clock = Clock.systemUTC();

        public Builder postgres(PostgresUrl url) {
            this.postgres = url;
            return this;
        }

        /** Live alerts from this Redis; without one the page polls. */
        public Builder redis(RedisUrl url) {
            this.redis = url;
            return this;
        }

        public Builder bind(String host) {
            this.bind = host;
            return this;
        }

        /** 0: any free port ({@link #port()} says which). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public DashboardServer build() {
            return new DashboardServer(new Settings(postgres, redis, bind, port, clock));
        }
    }
}
