package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo, shortened: every incident fires and then resolves, and nothing else alerts. */
class DemoCommandIT {

    private static final Pattern ALERT = Pattern.compile(
            "^\\S+Z (WARNING|CRITICAL) +(firing|escalated|resolved) +(\\S+) +(\\S+) (\\S+) (.+?)  \\S+=.*window .*$");

    @Test
    void everyIncidentFiresThenResolvesAndTheBaselineStaysQuiet() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = VigilCli.newCommandLine().execute("demo", "--duration", "45s", "--window", "5s");
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.println(out);
        assertThat(code).isZero();

        // Live alert lines (from the Redis subscriber), before the summary.
        String live = out.substring(0, out.indexOf("Summary over the whole run"));
        List<String> alerts = live.lines().map(ALERT::matcher).filter(Matcher::matches)
                .map(m -> m.group(3) + " " + m.group(4) + " " + m.group(6) + " " + m.group(2)).toList();
        assertThat(alerts).containsExactlyInAnyOrder(
                "request-p95 api GET /api/search firing", "request-p95 api GET /api/search resolved",
                "request-error-rate payments POST /payments firing", "request-error-rate payments POST /payments resolved",
                "request-error-rate payments * firing", "request-error-rate payments * resolved",
                "cache-hit-rate api plan_catalog firing", "cache-hit-rate api plan_catalog resolved",
                "scraper-failure-rate crawler reddit firing", "scraper-failure-rate crawler reddit resolved",
                "scraper-failure-rate crawler * firing", "scraper-failure-rate crawler * resolved");
        for (String series : List.of("GET /api/search", "POST /payments", "plan_catalog", "reddit")) {
            int firing = indexOf(alerts, series + " firing");
            int resolved = indexOf(alerts, series + " resolved");
            assertThat(firing).as(series).isLessThan(resolved);
        }

        assertThat(out).contains("Flink web UI: http://localhost:");
        assertThat(out).containsPattern("dashboard=http://127\\.0\\.0\\.1:\\d+/");
        assertThat(out).contains("Summary over the whole run, read back from PostgreSQL");
        assertThat(out).containsPattern("  api +request +[\\d,]+ +0\\.\\d+%");
        assertThat(out).contains("Alerts (alerts table):");
        assertThat(out.lines().filter(l -> l.startsWith("  psql \"postgresql://localhost:"))).hasSize(3);
    }

    private static int indexOf(List<String> alerts, String suffix) {
        for (int i = 0; i < alerts.size(); i++) {
            if (alerts.get(i).endsWith(suffix)) {
                return i;
            }
        }
        return -1;
    }
}
