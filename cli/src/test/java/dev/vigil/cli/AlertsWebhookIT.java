package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.JedisPooled;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code vigil alerts --webhook} against a real HTTP receiver and the real Redis stream: the body is
 * Alertmanager's webhook v4, every transition arrives once and in order, also those published while
 * the receiver was down and while the forwarder itself was stopped.
 */
@ExtendWith(EmbeddedStackExtension.class)
class AlertsWebhookIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVICE = "webhook-it";

    private final List<JsonNode> received = new CopyOnWriteArrayList<>();

    @Test
    void forwardsEveryTransitionAsAnAlertmanagerWebhookThroughReceiverAndForwarderOutages(EmbeddedStack stack) throws Exception {
        HttpServer receiver = receiver(0);
        int port = receiver.getAddress().getPort();
        String url = "http://127.0.0.1:" + port + "/hook";
        AlertEvent firing = alert("a1", AlertEvent.FIRING, 1);
        AlertEvent resolved = alert("a2", AlertEvent.RESOLVED, 2);
        try (JedisPooled redis = new JedisPooled(URI.create(stack.redisUrl()))) {
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> forwarder = forward(stack, url, 4, err);
            awaitGroup(redis, "vigil-webhook:it");

            AlertChannels.publish(redis, alert("other", AlertEvent.FIRING, 1, "another-service"));
            AlertChannels.publish(redis, firing);
            AlertChannels.publish(redis, resolved);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);

            JsonNode body = received.get(0);
            assertThat(body.get("version").asText()).isEqualTo("4");
            assertThat(body.get("status").asText()).isEqualTo("firing");
            assertThat(body.get("receiver").asText()).isEqualTo("it");
            assertThat(body.get("groupKey").asText())
                    .isEqualTo("{}:{alertname=\"request-p95\", name=\"GET /cart/{id}\", service=\"webhook-it\", type=\"request\"}");
            assertThat(body.get("truncatedAlerts").asInt()).isZero();
            JsonNode a = body.get("alerts").get(0);
            assertThat(body.get("alerts")).hasSize(1);
            assertThat(a.get("status").asText()).isEqualTo("firing");
            assertThat(a.get("labels").get("alertname").asText()).isEqualTo("request-p95");
            assertThat(a.get("labels").get("severity").asText()).isEqualTo("critical");
            assertThat(a.get("labels").get("service").asText()).isEqualTo(SERVICE);
            assertThat(a.get("annotations").get("summary").asText()).isEqualTo("summary a1");
            assertThat(a.get("annotations").get("value").asText()).isEqualTo("612.5");
            assertThat(a.get("startsAt").asText()).isEqualTo("2023-11-14T22:13:20Z");
            assertThat(a.get("endsAt").asText()).isEqualTo("0001-01-01T00:00:00Z");
            assertThat(a.get("fingerprint").asText()).isEqualTo(firing.fingerprint()).matches("[0-9a-f]{16}");
            JsonNode r = received.get(1).get("alerts").get(0);
            assertThat(received.get(1).get("status").asText()).isEqualTo("resolved");
            assertThat(r.get("endsAt").asText()).isEqualTo("2023-11-14T22:13:50Z");
            assertThat(r.get("fingerprint").asText()).isEqualTo(firing.fingerprint());

            // The receiver goes down; what is published meanwhile arrives once it is back.
            receiver.stop(0);
            AlertChannels.publish(redis, alert("a3", AlertEvent.FIRING, 3));
            AlertChannels.publish(redis, alert("a4", AlertEvent.ESCALATED, 4));
            await().atMost(Duration.ofSeconds(10)).until(() -> err.toString().contains("unavailable"));
            Thread.sleep(1_500);
            assertThat(received).hasSize(2);
            receiver = receiver(port);
            assertThat(forwarder.get(60, TimeUnit.SECONDS)).isZero();
            assertThat(ids()).containsExactly("a1", "a2", "a3", "a4");

            // The forwarder is stopped; what is published meanwhile waits in its consumer group.
            AlertChannels.publish(redis, alert("a5", AlertEvent.RESOLVED, 5));
            AlertChannels.publish(redis, alert("a6", AlertEvent.FIRING, 6));
            assertThat(forward(stack, url, 2, new StringWriter()).get(30, TimeUnit.SECONDS)).isZero();
            Thread.sleep(500); // anything sent twice would arrive now
            assertThat(ids()).containsExactly("a1", "a2", "a3", "a4", "a5", "a6");
        } finally {
            receiver.stop(0);
        }
    }

    private CompletableFuture<Integer> forward(EmbeddedStack stack, String url, int count, StringWriter err) {
        var cli = VigilCli.newCommandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return CompletableFuture.supplyAsync(() -> cli.execute("alerts", "--redis", stack.redisUrl(), "--webhook", url,
                "--receiver", "it", "--service", SERVICE, "--count", String.valueOf(count)));
    }

    private static void awaitGroup(JedisPooled redis, String group) {
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.exists(AlertChannels.STREAM)
                && redis.xinfoGroups(AlertChannels.STREAM).stream().anyMatch(g -> g.getName().equals(group)));
    }

    private List<String> ids() {
        return received.stream().map(b -> b.get("alerts").get(0).get("annotations").get("alert_id").asText()).toList();
    }

    private HttpServer receiver(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestMethod().equals("POST")
                    || !exchange.getRequestHeaders().getFirst("Content-Type").equals("application/json")) {
                exchange.sendResponseHeaders(400, -1);
            } else {
                received.add(JSON.readTree(new String(body, StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(200, -1);
            }
            exchange.close();
        });
        server.start();
        return server;
    }

    private static AlertEvent alert(String id, String event, int window) {
        return alert(id, event, window, SERVICE);
    }

    private static AlertEvent alert(String id, String event, int window, String service) {
        long start = 1_700_000_000_000L;
        return new AlertEvent(id, event, "request-p95", "critical", "request", service, "GET /cart/{id}", "p95_ms",
                612.5, 500, start + window * 10_000L, start + (window + 1) * 10_000L, start, "summary " + id);
    }
}
