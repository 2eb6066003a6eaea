package dev.vigil.aggregation;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitedLogTest {

    @Test
    void aFloodGetsOneLinePerIntervalAndTheLineCountsWhatItStandsFor() throws Exception {
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), 200, TimeUnit.MILLISECONDS);
        int lines = 0;
        for (int i = 0; i < 100_000; i++) {
            if (log.due()) {
                log.warn("Invalid records", "latest: " + i);
                lines++;
            }
        }
        assertThat(lines).as("the first, then none within the interval").isEqualTo(1);
        Thread.sleep(250);
        assertThat(log.due()).as("the interval has passed").isTrue();
        log.warn("Invalid records", "latest");
        assertThat(log.due()).isFalse();
    }
}
