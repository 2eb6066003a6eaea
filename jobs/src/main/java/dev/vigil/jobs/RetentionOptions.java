package dev.vigil.jobs;

import dev.vigil.sinks.postgres.Retention;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The retention flags {@code vigil retention} and a job started with {@code --retention} share. */
public final class RetentionOptions {

    @Option(names = "--keep-windows", paramLabel = "DURATION|forever", defaultValue = "8d", converter = KeepConverter.class,
            description = "How long metric_windows keeps its rows (default: ${DEFAULT-VALUE}).")
    Duration windows;

    @Option(names = "--keep-hourly", paramLabel = "DURATION|forever", defaultValue = "90d", converter = KeepConverter.class,
            description = "How long metric_windows_1h keeps its rows (default: ${DEFAULT-VALUE}).")
    Duration hourly;

    @Option(names = "--keep-daily", paramLabel = "DURATION|forever", defaultValue = "1825d", converter = KeepConverter.class,
            description = "How long metric_windows_1d keeps its rows (default: ${DEFAULT-VALUE}, 5 years).")
    Duration daily;

    public Retention toRetention() {
        return new Retention(windows, hourly, daily);
    }

    /** A duration, or {@code forever} (null: keep every row). */
    public static final class KeepConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return "forever".equals(value) ? null : new DurationConverter().convert(value);
        }
    }
}
