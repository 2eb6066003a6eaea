package dev.vigil.cli;

import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.redis.AlertPayload;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(EmbeddedStackExtension.class)
class AlertsCommandIT {

    @Test
    void printsOneReadableLinePerAlertOfTheChosenService(EmbeddedStack stack) throws Exception {
        StringWriter out = new StringWriter();
        var cli = VigilCli.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() ->
                cli.execute("alerts", "--redis", stack.redisUrl(), "--service", "checkout", "--count", "1"));

        AlertEvent other = alert("search", "GET /q");
        AlertEvent mine = alert("checkout", "GET /cart/{id}");
        try (JedisPooled jedis = new JedisPooled(URI.create(stack.redisUrl()))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // Publish until the subscriber is there (PUBLISH returns the number of receivers).
            while (jedis.publish("vigil:alerts:checkout", AlertPayload.toJson(mine)) == 0 && System.nanoTime() < deadline) {
                jedis.publish("vigil:alerts:search", AlertPayload.toJson(other));
                Thread.sleep(50);
            }
        }
        assertThat(running.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString().strip()).isEqualTo(
                "2023-11-14T22:13:30Z CRITICAL firing    request-p95          checkout request GET /cart/{id}  p95_ms=612.5 > 500  window 22:13:20-22:13:30");
    }

    private static AlertEvent alert(String service, String name) {
        long start = 1_700_000_000_000L;
        return new AlertEvent("id-" + service, "firing", "request-p95", "critical", "request", service, name, "p95_ms",
                612.5, 500, start, start + 10_000, start, "summary");
    }
}
