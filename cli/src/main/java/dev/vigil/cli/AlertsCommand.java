package dev.vigil.cli;

import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.redis.AlertPayload;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.sinks.redis.RedisUrl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

@Command(
        name = "alerts",
        mixinStandardHelpOptions = true,
        description = {
            "Subscribes to Vigil's alert channel on Redis and prints one line per alert transition: "
                    + "time, severity, event (firing, escalated, resolved), rule, series, value vs threshold, window.",
            "Runs until Ctrl-C (or --count alerts); reconnects if Redis goes away."
        })
final class AlertsCommand implements Callable<Integer> {

    @Option(names = "--redis", required = true, paramLabel = "URL", description = "redis://HOST:PORT (rediss:// for TLS; user:password@ allowed).")
    String redis;

    @Option(names = "--service", paramLabel = "NAME", description = "Only this service's alerts (channel vigil:alerts:NAME).")
    String service;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "Exit after N alerts (default: run until stopped).")
    int count;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
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
}
