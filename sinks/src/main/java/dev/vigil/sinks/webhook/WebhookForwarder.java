package dev.vigil.sinks.webhook;

import dev.vigil.model.AlertEvent;
import dev.vigil.sinks.redis.AlertChannels;
import dev.vigil.sinks.redis.AlertPayload;
import dev.vigil.sinks.redis.RedisUrl;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Forwards every alert transition from the Redis stream {@value AlertChannels#STREAM} to an HTTP
 * receiver as an Alertmanager webhook ({@link AlertmanagerWebhook}), one POST per transition, in order.
 *
 * <p>Nothing is missed while either side is away. The forwarder reads through a Redis consumer group
 * named after the receiver ({@code vigil-webhook:<receiver>}) and acknowledges an entry only once the
 * receiver has answered 2xx: entries delivered before a crash are sent again on restart (receivers
 * dedupe by {@code alert_id} annotation or fingerprint), and entries added while the forwarder was
 * stopped wait in the group. A group that does not exist yet starts at the stream's end. While the
 * receiver is unreachable, or answers 5xx or 429, the same POST is retried with back-off (0.5 s doubling
 * to {@code maxBackoff}) for as long as it takes; any other 4xx is the receiver refusing that body for
 * good, as Alertmanager treats it: reported and skipped. The stream keeps about
 * {@value AlertChannels#STREAM_MAX_LENGTH} entries; a forwarder away for longer than that many
 * transitions loses the oldest.
 */
public final class WebhookForwarder implements AutoCloseable {
    static final String GROUP_PREFIX = "vigil-webhook:";
    private static final String CONSUMER = "forwarder";
    private static final long BLOCK_MS = 2_000;

    private final RedisUrl redis;
    private final URI webhook;
    private final String authorization;
    private final String receiver;
    private final String service;
    private final String externalUrl;
    private final Duration maxBackoff;
    private final Consumer<String> log;
    private final Consumer<AlertEvent> forwarded;
    private final HttpClient http;
    private volatile boolean closed;

    private WebhookForwarder(Builder b) {
        this.redis = Objects.requireNonNull(b.redis, "redis");
        URI url = Objects.requireNonNull(b.webhook, "webhook");
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("webhook must be an http:// or https:// URL with a host; got " + masked(url));
        }
        this.authorization = url.getRawUserInfo() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                URLDecoder.decode(url.getRawUserInfo(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        this.webhook = withoutUserInfo(url);
        this.receiver = b.receiver;
        if (receiver == null || !receiver.matches("[A-Za-z0-9_.:-]{1,100}")) {
            throw new IllegalArgumentException("receiver must be 1-100 letters, digits, '.', ':', '-' or '_'; got " + receiver);
        }
        this.service = b.service;
        this.externalUrl = b.externalUrl == null ? "" : b.externalUrl;
        this.maxBackoff = b.maxBackoff;
        this.log = b.log;
        this.forwarded = b.forwarded;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The consumer group that remembers how far this receiver got. */
    public String group() {
        return GROUP_PREFIX + receiver;
    }

    /** Where the POSTs go, without any password. */
    public URI webhook() {
        return webhook;
    }

    /**
     * Forwards until {@code count} transitions have been delivered (0: until {@link #close} or interrupt).
     * Returns normally in both cases; Redis outages are retried, not thrown.
     */
    public void run(long count) throws InterruptedException {
        long delivered = 0;
        long backoffMs = 500;
        try (JedisPooled jedis = new JedisPooled(redis.uri(), 5_000)) {
            while (!closed && (count == 0 || delivered < count)) {
                try {
                    createGroup(jedis);
                    // First what was delivered to us before but never acknowledged, then what is new.
                    boolean pending = true;
                    while (!closed && (count == 0 || delivered < count)) {
                        List<StreamEntry> entries = read(jedis, pending);
                        if (entries.isEmpty()) {
                            pending = false;
                            continue;
                        }
                        for (StreamEntry entry : entries) {
                            if (closed || (count > 0 && delivered >= count)) {
                                break;
                            }
                            if (handle(entry)) {
                                delivered++;
                            }
                            jedis.xack(AlertChannels.STREAM, group(), entry.getID());
                        }
                        backoffMs = 500;
                    }
                } catch (ClosedWhileDelivering e) {
                    break; // not acknowledged: the next forwarder of this receiver sends it
                } catch (JedisException e) {
                    if (closed) {
                        break;
                    }
                    log.accept("Redis unavailable at " + redis + " (" + e.getMessage() + "); retrying in " + backoffMs + " ms");
                    Thread.sleep(backoffMs);
                    backoffMs = Math.min(maxBackoff.toMillis(), backoffMs * 2);
                }
            }
        }
    }

    private void createGroup(JedisPooled jedis) {
        try {
            jedis.xgroupCreate(AlertChannels.STREAM, group(), StreamEntryID.XGROUP_LAST_ENTRY, true);
            log.accept("created consumer group " + group() + " on " + AlertChannels.STREAM + ": forwarding transitions from now on");
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    private List<StreamEntry> read(JedisPooled jedis, boolean pending) {
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(100);
        if (!pending) {
            params.block((int) BLOCK_MS);
        }
        StreamEntryID from = pending ? new StreamEntryID(0, 0) : StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY;
        List<Map.Entry<String, List<StreamEntry>>> read = jedis.xreadGroup(group(), CONSUMER, params,
                Map.of(AlertChannels.STREAM, from));
        return read == null || read.isEmpty() ? List.of() : read.get(0).getValue();
    }

    /** Delivers one entry; false when it was not one to deliver (another service, unreadable, trimmed). */
    private boolean handle(StreamEntry entry) throws InterruptedException {
        String json = entry.getFields() == null ? null : entry.getFields().get(AlertChannels.STREAM_FIELD);
        if (json == null) {
            log.accept("stream entry " + entry.getID() + " is gone (trimmed from the stream before it was delivered)");
            return false;
        }
        AlertEvent alert;
        try {
            alert = AlertPayload.fromJson(json);
        } catch (RuntimeException e) {
            log.accept("stream entry " + entry.getID() + " is not an alert (" + e.getMessage() + "); skipped");
            return false;
        }
        if (service != null && !service.equals(alert.service())) {
            return false;
        }
        return post(alert, AlertmanagerWebhook.body(alert, receiver, externalUrl));
    }

    /** POSTs until the receiver takes it (true) or refuses it for good (false). */
    private boolean post(AlertEvent alert, String body) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("User-Agent", "vigil-alerts")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        long backoffMs = 500;
        while (!closed) {
            String failure;
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    forwarded.accept(alert);
                    return true;
                }
                if (status / 100 == 4 && status != 429 && status != 408) {
                    log.accept("receiver " + webhook + " refused alert " + alert.alertId() + " with HTTP " + status
                            + " (" + abbreviate(response.body()) + "); not retried");
                    return false;
                }
                failure = "HTTP " + status;
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            log.accept("receiver " + webhook + " unavailable (" + failure + "); retrying alert " + alert.alertId()
                    + " in " + backoffMs + " ms");
            Thread.sleep(backoffMs);
            backoffMs = Math.min(maxBackoff.toMillis(), backoffMs * 2);
        }
        throw new ClosedWhileDelivering();
    }

    private static final class ClosedWhileDelivering extends RuntimeException {
        ClosedWhileDelivering() {
            super(null, null, false, false);
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    private static String abbreviate(String s) {
        String oneLine = s == null ? "" : s.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }

    private static URI withoutUserInfo(URI url) {
        try {
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getRawPath() == null ? null : url.getPath(),
                    url.getQuery(), null);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("webhook URL " + masked(url) + " is not valid: " + e.getMessage(), e);
        }
    }

    private static String masked(URI url) {
        return url.getRawUserInfo() == null ? url.toString() : url.toString().replace(url.getRawUserInfo(), "***");
    }

    public static final class Builder {
        private RedisUrl redis;
        private URI webhook;
        private String receiver = "vigil";
        private String service;
        private String externalUrl = "";
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Consumer<String> log = System.err::println;
        private Consumer<AlertEvent> forwarded = a -> { };

        private Builder() {
        }

        public Builder redis(RedisUrl redis) {
            this.redis = redis;
            return this;
        }

        public Builder webhook(URI webhook) {
            this.webhook = webhook;
            return this;
        }

        /** The receiver's name: the {@code receiver} field of each body, and the consumer group's suffix. */
        public Builder receiver(String receiver) {
            this.receiver = receiver;
            return this;
        }

        /** Only this service's alerts (null: all). */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /** The {@code externalURL} and {@code generatorURL} of each body, such as the dashboard's address. */
        public Builder externalUrl(String externalUrl) {
            this.externalUrl = externalUrl;
            return this;
        }

        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        /** Where retries and skips are reported, one line each. */
        public Builder log(Consumer<String> log) {
            this.log = log;
            return this;
        }

        /** Called after each transition the receiver accepted. */
        public Builder onForwarded(Consumer<AlertEvent> forwarded) {
            this.forwarded = forwarded;
            return this;
        }

        public WebhookForwarder build() {
            return new WebhookForwarder(this);
        }
    }
}
