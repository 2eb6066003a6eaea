package dev.vigil.jobs;

import dev.vigil.model.Durations;
import picocli.CommandLine;

import java.time.Duration;

/** Picocli's side of {@link Durations}: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 1d}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** The shortest way to write {@code d}: {@code 10s}, {@code 5m}, {@code 1500ms}. */
    public static String format(Duration d) {
        return Durations.format(d);
    }
}
