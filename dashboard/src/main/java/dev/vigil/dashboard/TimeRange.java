package dev.vigil.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * A half-open range of event time {@code [from, to)} taken from a request's {@code from} and {@code to}
 * parameters (ISO-8601, e.g. {@code 2026-12-01T10:00:00Z} or with an offset). Missing {@code to} is now;
 * missing {@code from} is {@code to} minus the endpoint's default length.
 */
public record TimeRange(Instant from, Instant to) {

    /** The longest range any endpoint answers: past this, an answer is not a dashboard's. */
    public static final Duration MAX_LENGTH = Duration.ofDays(400);

    public TimeRange {
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("the time range is empty or inverted: from " + from + " is not before to " + to);
        }
        if (Duration.between(from, to).compareTo(MAX_LENGTH) > 0) {
            throw ApiException.badRequest("the time range is too large: " + Duration.between(from, to).toDays()
                    + " days; at most " + MAX_LENGTH.toDays() + " days");
        }
    }

    public static TimeRange parse(String fromParam, String toParam, Instant now, Duration defaultLength) {
        Instant to = toParam == null || toParam.isBlank() ? now : instant("to", toParam);
        Instant from = fromParam == null || fromParam.isBlank() ? to.minus(defaultLength) : instant("from", fromParam);
        return new TimeRange(from, to);
    }

    public Duration length() {
        return Duration.between(from, to);
    }

    private static Instant instant(String parameter, String text) {
        try {
            return OffsetDateTime.parse(text.trim(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(parameter + " is not an ISO-8601 time with a zone (like 2026-12-01T10:00:00Z): "
                    + Parameters.quote(text));
        }
    }
}
