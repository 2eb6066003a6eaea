package dev.vigil.dashboard;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimeRangeTest {
    static final Instant NOW = Instant.parse("2026-12-02T04:00:00Z");

    @Test
    void defaultsToTheEndpointsLengthEndingNow() {
        TimeRange r = TimeRange.parse(null, null, NOW, Duration.ofHours(1));
        assertThat(r.from()).isEqualTo(Instant.parse("2026-12-02T03:00:00Z"));
        assertThat(r.to()).isEqualTo(NOW);
        assertThat(TimeRange.parse(null, "2026-12-01T00:00:00Z", NOW, Duration.ofDays(1)).from())
                .isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
    }

    @Test
    void acceptsOffsetsAndFractions() {
        TimeRange r = TimeRange.parse("2026-12-02T04:30:00.250+01:00", "2026-12-02T04:00:00Z", NOW, Duration.ofHours(1));
        assertThat(r.from()).isEqualTo(Instant.parse("2026-12-02T03:30:00.250Z"));
    }

    @Test
    void refusesMalformedInvertedEmptyAndTooLargeRangesInWords() {
        assertThatThrownBy(() -> TimeRange.parse("yesterday", null, NOW, Duration.ofHours(1)))
                .isInstanceOf(ApiException.class).hasMessageContaining("from is not an ISO-8601 time").hasMessageContaining("\"yesterday\"");
        assertThatThrownBy(() -> TimeRange.parse("2026-12-02T04:00:00", null, NOW, Duration.ofHours(1)))
                .as("no zone").isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> TimeRange.parse("2026-12-02T05:00:00Z", null, NOW, Duration.ofHours(1)))
                .hasMessageContaining("inverted");
        assertThatThrownBy(() -> TimeRange.parse("2026-12-02T04:00:00Z", null, NOW, Duration.ofHours(1)))
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> TimeRange.parse("2025-01-01T00:00:00Z", null, NOW, Duration.ofHours(1)))
                .hasMessageContaining("too large").hasMessageContaining("at most 400 days");
        assertThat(((ApiException) catchThrowable(() -> TimeRange.parse("x", null, NOW, Duration.ofHours(1)))).status()).isEqualTo(400);
    }

    private static Throwable catchThrowable(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
