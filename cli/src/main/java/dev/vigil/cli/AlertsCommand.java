package dev.vigil.cli;

import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.redis.AlertPayload;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.sinks.redis.RedisUrl;
import dev.vigil.sinks.webhook.WebhookForwarder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

@Command(
        name = "alerts",
        mixinStandardHelpOptions = true,
        description = {
            "Subscribes to Vigil's alert channel on Redis and prints one line per alert transition: "
                    + "time, severity, event (firing, escalated, resolved), rule, series, value vs threshold, window.",
            "Runs until Ctrl-C (or --count alerts); reconnects if Redis goes away.",
            "With --webhook URL it forwards every transition instead, as an Alertmanager webhook (version 4) POST, "
                    + "read from the stream vigil:alerts:stream through the consumer group vigil-webhook:RECEIVER: "
                    + "nothing is missed while the receiver or this command is away; a POST that fails is retried "
                    + "with back-off until the receiver takes it."
        })
final class AlertsCommand implements Callable<Integer> {

    @Option(names = "--redis", required = true, paramLabel = "URL", description = "redis://HOST:PORT (rediss:// for TLS; user:password@ allowed).")
    String redis;

    @Option(names = "--service", paramLabel = "NAME", description = "Only this service's alerts (channel vigil:alerts:NAME).")
    String service;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "Exit after N alerts (default: run until stopped).")
    int count;

    @Option(names = "--webhook", paramLabel = "URL", description = "Forward each transition to this Alertmanager-compatible "
            + "receiver (http:// or https://; user:password@ sends basic auth) instead of printing it.")
    URI webhook;

    @Option(names = "--receiver", paramLabel = "NAME", defaultValue = "vigil", description = "With --webhook: the receiver's "
            + "name, sent as 'receiver' and naming the consumer group that remembers how far it got (default: ${DEFAULT-VALUE}).")
    String receiver;

    @Option(names = "--external-url", paramLabel = "URL", defaultValue = "", description = "With --webhook: sent as "
            + "externalURL and generatorURL, such as the dashboard's address (default: none).")
    String externalUrl;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (webhook != null) {
            return forward(out, err);
        }
        if (!receiver.equals("vigil") || !externalUrl.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--receiver and --external-url need --webhook");
        }
        String channel = service == null ? AlertChannels.ALL : AlertChannels.forService(service);
        AtomicInteger printed = new AtomicInteger();
        long backoffMs = 500;
        RedisUrl url = RedisUrl.parse(redis); // printed masked: the URL may carry a password
        try (JedisPooled jedis = new JedisPooled(url.uri(), 5_000)) {
            while (count == 0 || printed.get() < count) {
                try {
                    err.println("listening on " + channel + " at " + url + " (Ctrl-C to stop)");
                    err.flush();
                    jedis.subscribe(new JedisPubSub() {
                        @Override
                        public void onMessage(String ch, String message) {
                            try {
                                out.println(AlertLine.format(AlertPayload.fromJson(message)));
                            } catch (RuntimeException e) {
                                out.println("unreadable alert on " + ch + ": " + message);
                            }
                            out.flush();
                            if (count > 0 && printed.incrementAndGet() >= count) {
                                unsubscribe();
                            }
                        }
                    }, channel);
                    backoffMs = 500;
                } catch (JedisException e) {
                    err.println("Redis unavailable at " + url + " (" + e.getMessage() + "); retrying in " + backoffMs + " ms");
                    err.flush();
                    Thread.sleep(backoffMs);
                    backoffMs = Math.min(10_000, backoffMs * 2);
                }
            }
        }
        return 0;
    }

    private int forward(PrintWriter out, PrintWriter err) throws InterruptedException {
        WebhookForwarder forwarder;
        try {
            forwarder = WebhookForwarder.builder().redis(RedisUrl.parse(redis)).webhook(webhook).receiver(receiver)
                    .service(service).externalUrl(externalUrl)
                    .log(line -> {
                        err.println(line);
                        err.flush();
                    })
                    .onForwarded(a -> {
                        out.println("forwarded " + AlertLine.format(a));
                        out.flush();
                    })
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        err.println("forwarding " + (service == null ? "every alert" : service + "'s alerts") + " from "
                + AlertChannels.STREAM + " at " + RedisUrl.parse(redis) + " to " + forwarder.webhook()
                + " (consumer group " + forwarder.group() + "; Ctrl-C to stop)");
        err.flush();
        forwarder.run(count);
        return 0;
    }
}
