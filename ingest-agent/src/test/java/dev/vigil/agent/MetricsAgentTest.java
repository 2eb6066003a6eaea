package dev.vigil.agent;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Behaviour that needs no broker: arguments, configuration, closing. */
class MetricsAgentTest {

    private static MetricsAgent unreachable() {
        return MetricsAgent.builder().service("svc").bootstrapServers("localhost:1")
                .closeTimeout(Duration.ofMillis(200)).build();
    }

    @Test
    void badArgumentsAreCountedAsInvalidNeverThrown() {
        try (MetricsAgent agent = unreachable()) {
            agent.recordRequest(null, 200, 1_000);
            agent.recordRequest("", 200, 1_000);
            agent.recordRequest("GET /", 200, -5);
            agent.recordRequest("GET /", 42, 1_000);
            agent.recordQuery("x".repeat(257), 1_000, false);
            agent.recordCache(null, true);
            agent.recordScrape("twitter", -1, false);
            agent.recordRequest("GET /ok", 200, 1_000);
            agent.recordQuery("名".repeat(256), 1_000, false); // 256 characters: fine

            AgentStats s = agent.stats();
            assertThat(s.invalid()).isEqualTo(7);
            assertThat(s.accepted()).isEqualTo(2);
        }
    }

    @Test
    void misconfigurationFailsFastAtBuild() {
        assertThatThrownBy(() -> MetricsAgent.builder().bootstrapServers("k:9092").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("service must be 1-128 characters, got null");
        assertThatThrownBy(() -> MetricsAgent.builder().service("s").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("bootstrapServers is required");
        assertThatThrownBy(() -> MetricsAgent.builder().service("s").bootstrapServers("k:9092")
                .kafkaProperty("linger.ms", "soon").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("invalid Kafka producer setting:")
                .hasMessageContaining("linger.ms");
        assertThatThrownBy(() -> MetricsAgent.builder().service("s").bootstrapServers("k:9092").bufferCapacity(0).build())
                .hasMessageContaining("bufferCapacity");
    }

    @Test
    void closeIsIdempotentAndLaterCallsCountAsDropped() {
        MetricsAgent agent = unreachable();
        agent.recordScrape("twitter", 1_000_000, false);
        agent.close();
        agent.close();
        agent.recordScrape("twitter", 1_000_000, false);
        agent.recordCache("c", true);
        AgentStats s = agent.stats();
        assertThat(s.accepted()).isEqualTo(3);
        assertThat(s.dropped()).isEqualTo(3); // one never delivered (no broker), two after close
        assertThat(s.inFlight()).isZero();
        assertThat(s.accepted()).isEqualTo(s.sent() + s.dropped() + s.failed() + s.inFlight());
    }

    @Test
    void theTimerRecordsTheElapsedTimeAndStatus() throws Exception {
        try (MetricsAgent agent = unreachable()) {
            try (RequestTimer t = agent.timeRequest("GET /x")) {
                t.status(204);
            }
            try (RequestTimer ignored = agent.timeRequest("GET /boom")) {
                // no status: recorded as 500
            }
            assertThat(agent.stats().accepted()).isEqualTo(2);
        }
    }
}
