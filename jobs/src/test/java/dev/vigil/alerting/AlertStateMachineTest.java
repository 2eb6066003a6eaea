package dev.vigil.alerting;

import dev.vigil.model.AlertEvent;
import dev.vigil.model.MetricWindow;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AlertStateMachineTest {

    static final long W = 10_000;
    static final SlaRule P95 = new SlaRule("request-p95", "request", List.of(), List.of(), RollupScope.INCLUDE,
            "p95_ms", Comparison.ABOVE, 400, 500, 2, 2, 20);
    static final SlaRule HIT_RATE = new SlaRule("cache-hit-rate", "cache", List.of(), List.of(), RollupScope.INCLUDE,
            "hit_rate", Comparison.BELOW, 0.8, 0.7, 1, 1, 10);

    private AlertState state;
    private long window;
    private final List<AlertEvent> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        state = new AlertState();
        window = 0;
    }

    /** Judges the next window with the given p95 (and count). */
    private String p95(double p95, long count) {
        MetricWindow w = new MetricWindow("request", "api", "GET /x", window, window + W, count, 0, null, null,
                1, 1, 1, 1, p95, p95, p95, p95, null);
        window += W;
        AlertEvent e = AlertStateMachine.judge(state, P95, w);
        if (e != null) {
            events.add(e);
        }
        return e == null ? "-" : e.event() + ":" + e.severity();
    }

    private String p95(double v) {
        return p95(v, 100);
    }

    @Test
    void theFingerprintIsTheSeriesHashAndTheStatusFollowsTheEvent() {
        // sha256("request-p95\0request\0shop\0GET /cart/{id}")[:16 hex], computed outside Java
        assertThat(AlertEvent.fingerprint("request-p95", "request", "shop", "GET /cart/{id}")).isEqualTo("ae7b59cfbcfe55f8");
        AlertEvent fired = new AlertEvent("id", AlertEvent.ESCALATED, "request-p95", "critical", "request", "shop",
                "GET /cart/{id}", "p95_ms", 600, 500, 0, 1, 0, "s");
        assertThat(fired.fingerprint()).isEqualTo("ae7b59cfbcfe55f8");
        assertThat(fired.status()).isEqualTo("firing");
        assertThat(new AlertEvent("id", AlertEvent.RESOLVED, "request-p95", "critical", "request", "shop", "GET /cart",
                "p95_ms", 1, 500, 0, 1, 0, "s").status()).isEqualTo("resolved");
        assertThat(AlertEvent.fingerprint("request-p95", "request", "shop", "GET /cart"))
                .isNotEqualTo(fired.fingerprint()).isNotEqualTo(AlertEvent.fingerprint("request-p95", "request", "shop2", "GET /cart"));
    }

    @Test
    void aBreachShorterThanForNeverFires() {
        assertThat(List.of(p95(450), p95(100), p95(600), p95(100), p95(100))).containsOnly("-");
    }

    @Test
    void firesAfterForBreachesWithTheWorstLevelSeenAndResolvesAfterResolveAfterPasses() {
        assertThat(List.of(p95(450), p95(520), p95(530), p95(100), p95(100)))
                .containsExactly("-", "firing:critical", "-", "-", "resolved:critical");
        AlertEvent firing = events.get(0);
        assertThat(firing.value()).isEqualTo(520);
        assertThat(firing.threshold()).isEqualTo(500);
        assertThat(firing.startedAt()).isEqualTo(0); // the breach began with the first window
        assertThat(firing.windowStart()).isEqualTo(W);
        assertThat(events.get(1).startedAt()).isEqualTo(0);
        assertThat(firing.summary()).isEqualTo(
                "request-p95 firing (critical): api request GET /x p95_ms = 520 > 500 (100 events, window 1970-01-01T00:00:10Z)");
    }

    @Test
    void warningToCriticalEscalatesOnceAndCriticalToWarningDoesNotReFire() {
        assertThat(List.of(p95(450), p95(450), p95(600), p95(450), p95(700), p95(450)))
                .containsExactly("-", "firing:warning", "escalated:critical", "-", "-", "-");
    }

    @Test
    void flappingAroundTheThresholdDoesNotStorm() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            out.add(p95(i % 2 == 0 ? 450 : 350));
        }
        assertThat(out).containsOnly("-"); // never two breaches in a row: never fires

        setUp();
        events.clear();
        out.clear();
        out.add(p95(450));
        out.add(p95(450)); // fires
        for (int i = 0; i < 20; i++) {
            out.add(p95(i % 2 == 0 ? 350 : 450)); // never two passes in a row: never resolves
        }
        assertThat(out.stream().filter(e -> !e.equals("-"))).containsExactly("firing:warning");
    }

    @Test
    void lowCountWindowsAreNotJudged() {
        assertThat(List.of(p95(900, 5), p95(900, 5), p95(450), p95(900, 19), p95(450)))
                .containsExactly("-", "-", "-", "-", "firing:warning"); // the low-count window between did not break the streak
        assertThat(List.of(p95(100, 3), p95(100), p95(100, 3), p95(100)))
                .containsExactly("-", "-", "-", "resolved:warning");
    }

    @Test
    void aWindowJudgedOnceIsNotJudgedAgainWhenLateDataReFiresIt() {
        p95(450);
        MetricWindow again = new MetricWindow("request", "api", "GET /x", 0, W, 500, 0, null, null,
                1, 1, 1, 1, 900, 900, 900, 900, null);
        assertThat(AlertStateMachine.judge(state, P95, again)).isNull();
        assertThat(state.breaches).isEqualTo(1);
    }

    @Test
    void idsAreDeterministicAndDifferPerEvent() {
        p95(450);
        p95(450);
        p95(100);
        p95(100);
        assertThat(events).hasSize(2);
        assertThat(events.get(0).alertId()).isEqualTo(AlertStateMachine.alertId("request-p95", "request", "api", "GET /x", W, "firing"));
        assertThat(events.get(0).alertId()).isNotEqualTo(events.get(1).alertId());
    }

    @Test
    void belowComparisonForHitRates() {
        MetricWindow low = new MetricWindow("cache", "api", "c", 0, W, 100, 0, 65L, 35L, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null);
        AlertEvent e = AlertStateMachine.judge(state, HIT_RATE, low);
        assertThat(e.event()).isEqualTo("firing");
        assertThat(e.severity()).isEqualTo("critical");
        assertThat(e.value()).isEqualTo(0.65);
        assertThat(e.threshold()).isEqualTo(0.7);
    }
}
