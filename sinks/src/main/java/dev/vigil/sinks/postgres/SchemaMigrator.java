package dev.vigil.sinks.postgres;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateResult;

import java.sql.SQLException;

/**
 * Applies Vigil's versioned schema migrations ({@code db/migration/V*.sql} on the classpath) with Flyway.
 * Idempotent: a database that is up to date is left as it is.
 */
public final class SchemaMigrator {
    private SchemaMigrator() {
    }

    /** What a migration run did. */
    public record Result(String schemaVersion, int migrationsApplied) {
    }

    /**
     * @param url a JDBC or libpq-style PostgreSQL URL with credentials (see {@link PostgresUrl})
     * @throws SchemaMigrationException saying what went wrong, e.g. the server is unreachable
     */
    public static Result migrate(String url) {
        return migrate(PostgresUrl.parse(url));
    }

    /** @throws SchemaMigrationException saying what went wrong, e.g. the server is unreachable */
    public static Result migrate(PostgresUrl url) {
        try {
            Flyway flyway = flyway(url);
            MigrateResult result = flyway.migrate();
            String version = result.targetSchemaVersion != null ? result.targetSchemaVersion
                    : flyway.info().current() != null ? flyway.info().current().getVersion().getVersion() : "none";
            return new Result(version, result.migrationsExecuted);
        } catch (FlywayException e) {
            throw new SchemaMigrationException("migrating " + url + " failed: "
                    + rootMessage(e), e);
        }
    }

    /** The schema a database has against the one this build writes. */
    public record Status(String current, String latest, int pending) {
        public boolean upToDate() {
            return pending == 0;
        }
    }

    /**
     * Reads the database's schema version without changing anything.
     *
     * @throws SchemaMigrationException saying what went wrong, e.g. the server is unreachable
     */
    public static Status status(PostgresUrl url) {
        try {
            MigrationInfoService info = flyway(url).info();
            MigrationInfo[] all = info.all();
            return new Status(info.current() == null ? "none" : info.current().getVersion().getVersion(),
                    all.length == 0 ? "none" : all[all.length - 1].getVersion().getVersion(), info.pending().length);
        } catch (FlywayException e) {
            throw new SchemaMigrationException("reading the schema of " + url + " failed: " + rootMessage(e), e);
        }
    }

    private static Flyway flyway(PostgresUrl url) {
        return Flyway.configure(SchemaMigrator.class.getClassLoader())
                .dataSource(url.jdbc(), null, null)
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                .load();
    }

    /** The driver's own words if there are any (they name host and port), else the innermost cause's. */
    private static String rootMessage(Throwable t) {
        Throwable chosen = t;
        for (Throwable c = t; c != null; c = c.getCause()) {
            chosen = c;
            if (c instanceof SQLException) {
                break;
            }
        }
        String message = chosen.getMessage();
        return message == null ? chosen.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
    }
}
