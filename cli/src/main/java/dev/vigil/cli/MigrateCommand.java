package dev.vigil.cli;

import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.postgres.SchemaMigrator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = "Applies Vigil's schema migrations (metric_windows, alerts, ...) to a PostgreSQL database. "
                + "Safe to run again: an up-to-date database is left as it is.")
final class MigrateCommand implements Callable<Integer> {

    @Option(names = "--postgres", required = true, paramLabel = "URL",
            description = "PostgreSQL URL with credentials: jdbc:postgresql://HOST:PORT/DB?user=U&password=P "
                    + "or postgresql://U:P@HOST:PORT/DB")
    String postgres;

    @Override
    public Integer call() {
        SchemaMigrator.Result result = SchemaMigrator.migrate(postgres);
        System.out.printf("migrated %s: %d migration(s) applied, schema version %s%n",
                PostgresUrl.parse(postgres), result.migrationsApplied(), result.schemaVersion());
        return 0;
    }
}
