package dev.vigil.jobs.kafka;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventTimeLimitsTest {
    static final long NOW = Instant.parse("2026-12-01T12:00:00Z").toEpochMilli();

    @Test
    void anEventUpToTheSkewAheadIsAcceptedAndOneBeyondIsRefusedInWords() {
        EventTimeLimits limits = EventTimeLimits.DEFAULTS;
        assertThat(limits.violation(NOW, NOW)).isNull();
        assertThat(limits.violation(NOW + 600_000, NOW)).isNull();
        assertThat(limits.violation(NOW + 600_001, NOW)).isEqualTo("ts is 10 minutes in the future (max skew 10m)");
        assertThat(limits.violation(NOW + 3 * 3_600_000, NOW)).isEqualTo("ts is 3 hours in the future (max skew 10m)");
        assertThat(limits.violation(Instant.parse("3000-01-01T00:00:00Z").toEpochMilli(), NOW))
                .isEqualTo("ts is 973 years in the future (max skew 10m)");
        assertThat(limits.violation(Long.MAX_VALUE, NOW)).startsWith("ts is 292270").endsWith(" years in the future (max skew 10m)");
    }

    @Test
    void theAgeLimitIsOffByDefaultBecauseReplayingHistoryIsLegitimate() {
        assertThat(EventTimeLimits.DEFAULTS.violation(0, NOW)).isNull();
        EventTimeLimits week = new EventTimeLimits(Duration.ofMinutes(1), Duration.ofDays(7));
        assertThat(week.violation(NOW - 7 * 86_400_000L, NOW)).isNull();
        assertThat(week.violation(NOW - 7 * 86_400_000L - 1, NOW)).isEqualTo("ts is 7 days old (max event age 7d)");
        assertThat(week.violation(0, NOW)).isEqualTo("ts is 56 years old (max event age 7d)");
        assertThat(week.violation(NOW + 61_000, NOW)).isEqualTo("ts is 1 minute in the future (max skew 1m)");
    }

    @Test
    void spansAreWrittenInTheirLargestWholeUnit() {
        assertThat(EventTimeLimits.inWords(1)).isEqualTo("1 ms");
        assertThat(EventTimeLimits.inWords(1_000)).isEqualTo("1 second");
        assertThat(EventTimeLimits.inWords(119_999)).isEqualTo("1 minute");
        assertThat(EventTimeLimits.inWords(86_400_000L * 2)).isEqualTo("2 days");
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new EventTimeLimits(Duration.ZERO, null))
                .hasMessage("--max-future-skew must be positive, got PT0S");
        assertThatThrownBy(() -> new EventTimeLimits(Duration.ofMinutes(1), Duration.ofSeconds(-1)))
                .hasMessage("--max-event-age must be positive, got PT-1S");
    }
}
