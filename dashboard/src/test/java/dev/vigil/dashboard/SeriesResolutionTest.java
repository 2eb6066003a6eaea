package dev.vigil.dashboard;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesResolutionTest {
    static final Duration MINUTE = Duration.ofMinutes(1);

    @Test
    void theShortestStepThatKeepsTheAnswerToAtMost400Points() {
        assertThat(SeriesResolution.of(Duration.ofHours(1), MINUTE).step()).isEqualTo(MINUTE);
        assertThat(SeriesResolution.of(Duration.ofHours(6), MINUTE).step()).isEqualTo(MINUTE); // 360 points
        assertThat(SeriesResolution.of(Duration.ofHours(24), MINUTE).step()).isEqualTo(Duration.ofMinutes(5));
        assertThat(SeriesResolution.of(Duration.ofDays(7), MINUTE).step()).isEqualTo(Duration.ofMinutes(30));
        assertThat(SeriesResolution.of(Duration.ofDays(60), MINUTE).step()).isEqualTo(Duration.ofHours(6));
        assertThat(SeriesResolution.of(TimeRange.MAX_LENGTH, MINUTE).step()).isEqualTo(Duration.ofDays(1));
        for (long hours = 1; hours <= TimeRange.MAX_LENGTH.toHours(); hours += 7) {
            Duration range = Duration.ofHours(hours);
            assertThat(range.toMillis() / SeriesResolution.of(range, MINUTE).step().toMillis()).isLessThanOrEqualTo(SeriesResolution.MAX_POINTS);
        }
    }

    @Test
    void stepsAreMultiplesOfTheJobsWindow() {
        assertThat(SeriesResolution.of(Duration.ofMinutes(30), Duration.ofSeconds(10)).step()).isEqualTo(Duration.ofSeconds(10));
        assertThat(SeriesResolution.of(Duration.ofHours(24), Duration.ofSeconds(90)).step()).isEqualTo(Duration.ofMinutes(15)); // not 5 or 10: no multiples of 90 s
        assertThat(SeriesResolution.of(Duration.ofHours(1), Duration.ofMinutes(5)).step()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void stepsOfWholeHoursOrDaysComeFromTheRollups() {
        assertThat(SeriesResolution.of(Duration.ofDays(7), MINUTE).longestRollup()).isEqualTo(Duration.ZERO); // 30 min
        assertThat(SeriesResolution.of(Duration.ofDays(30), MINUTE).longestRollup()).isEqualTo(Duration.ofHours(1)); // 2 h
        assertThat(SeriesResolution.of(TimeRange.MAX_LENGTH, MINUTE).longestRollup()).isEqualTo(Duration.ofDays(1));
    }
}
