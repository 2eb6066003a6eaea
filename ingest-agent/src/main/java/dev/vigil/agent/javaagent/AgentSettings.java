package dev.vigil.agent.javaagent;

import dev.vigil.agent.MetricsAgent;
import dev.vigil.agent.RecordFormat;
import dev.vigil.agent.bootstrap.VigilHooks;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The -javaagent's settings, from its argument string and the environment (the argument wins):
 * {@code service=shop,bootstrap.servers=host:9092[,topic=…][,instance=…][,format=batch|v1][,instrument.jdbc=false]
 * [,max.routes=1000][,<any producer property>=…]}. A value may itself hold commas
 * ({@code bootstrap.servers=a:9092,b:9092}): a piece without {@code =} continues the previous value.
 */
final class AgentSettings {

    /** The instrumentations, by their {@link VigilHooks} index. */
    static final List<String> INSTRUMENTATIONS = List.of("http-server", "servlet", "jdbc", "http-client");

    private static final String PREFIX = "instrument.";

    final String service;
    final String bootstrapServers;
    final String topic;
    final String instance;
    /** Distinct route names before new ones become {@code METHOD /{other}}; {@code max.routes=}. */
    static final int DEFAULT_MAX_ROUTES = 1_000;
    final int maxRoutes;
    final Duration closeTimeout;
    final RecordFormat format;
    final boolean[] on = {true, true, true, true};
    final Map<String, String> producer = new LinkedHashMap<>();

    private AgentSettings(Map<String, String> args, Map<String, String> env) {
        Map<String, String> s = new LinkedHashMap<>(args);
        putEnv(s, env, "service", "VIGIL_SERVICE");
        putEnv(s, env, "bootstrap.servers", "VIGIL_BOOTSTRAP_SERVERS");
        putEnv(s, env, "topic", "VIGIL_TOPIC");
        putEnv(s, env, "instance", "VIGIL_INSTANCE");
        putEnv(s, env, "format", "VIGIL_FORMAT");
        for (String name : INSTRUMENTATIONS) {
            putEnv(s, env, PREFIX + name, "VIGIL_INSTRUMENT_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        service = s.remove("service");
        bootstrapServers = s.remove("bootstrap.servers");
        topic = s.remove("topic");
        instance = s.remove("instance");
        String formatName = s.remove("format");
        format = formatName == null ? RecordFormat.BATCH : RecordFormat.parse(formatName);
        maxRoutes = positive(s.remove("max.routes"), "max.routes", DEFAULT_MAX_ROUTES);
        closeTimeout = Duration.ofMillis(positive(s.remove("close.timeout.ms"), "close.timeout.ms", 5_000));
        for (int i = 0; i < INSTRUMENTATIONS.size(); i++) {
            String value = s.remove(PREFIX + INSTRUMENTATIONS.get(i));
            if (value != null) {
                on[i] = bool(value, PREFIX + INSTRUMENTATIONS.get(i));
            }
        }
        for (Map.Entry<String, String> e : s.entrySet()) {
            if (e.getKey().startsWith(PREFIX)) {
                throw new IllegalArgumentException("unknown instrumentation '" + e.getKey().substring(PREFIX.length())
                        + "' (known: " + String.join(", ", INSTRUMENTATIONS) + ")");
            }
            if (!ProducerConfig.configNames().contains(e.getKey())) {
                throw new IllegalArgumentException("unknown agent argument '" + e.getKey() + "': not one of service, "
                        + "bootstrap.servers, topic, instance, format, max.routes, close.timeout.ms, instrument.NAME, "
                        + "nor a Kafka producer setting");
            }
            producer.put(e.getKey(), e.getValue());
        }
        if (service == null || service.isBlank()) {
            throw new IllegalArgumentException("service is required (agent argument service=NAME or VIGIL_SERVICE)");
        }
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException(
                    "bootstrap.servers is required (agent argument bootstrap.servers=HOST:PORT or VIGIL_BOOTSTRAP_SERVERS)");
        }
    }

    static AgentSettings parse(String agentArgs, Map<String, String> env) {
        return new AgentSettings(arguments(agentArgs), env);
    }

    /** {@code k=v,k=v}; a piece without {@code =} continues the previous value after a comma. */
    static Map<String, String> arguments(String agentArgs) {
        Map<String, String> out = new LinkedHashMap<>();
        if (agentArgs == null || agentArgs.isBlank()) {
            return out;
        }
        String lastKey = null;
        for (String piece : agentArgs.split(",", -1)) {
            int eq = piece.indexOf('=');
            if (eq < 0) {
                if (lastKey == null) {
                    throw new IllegalArgumentException("agent argument '" + piece + "' is not KEY=VALUE");
                }
                out.put(lastKey, out.get(lastKey) + "," + piece);
                continue;
            }
            String key = piece.substring(0, eq).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("agent argument '" + piece + "' has no key");
            }
            if (out.containsKey(key)) {
                throw new IllegalArgumentException("agent argument '" + key + "' is given twice");
            }
            out.put(key, piece.substring(eq + 1).trim());
            lastKey = key;
        }
        return out;
    }

    MetricsAgent.Builder agentBuilder() {
        MetricsAgent.Builder b = MetricsAgent.builder().service(service).bootstrapServers(bootstrapServers)
                .closeTimeout(closeTimeout).recordFormat(format);
        if (topic != null) {
            b.topic(topic);
        }
        if (instance != null) {
            b.instance(instance);
        }
        producer.forEach(b::kafkaProperty);
        return b;
    }

    String describe() {
        StringBuilder on = new StringBuilder();
        for (int i = 0; i < INSTRUMENTATIONS.size(); i++) {
            if (this.on[i]) {
                on.append(on.length() == 0 ? "" : ", ").append(INSTRUMENTATIONS.get(i));
            }
        }
        return "service=" + service + " bootstrap.servers=" + bootstrapServers
                + (topic == null ? "" : " topic=" + topic) + " instrumenting " + (on.length() == 0 ? "nothing" : on);
    }

    private static void putEnv(Map<String, String> s, Map<String, String> env, String key, String variable) {
        String value = env.get(variable);
        if (value != null && !value.isBlank()) {
            s.putIfAbsent(key, value.trim());
        }
    }

    private static int positive(String value, String key, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a positive whole number, got '" + value + "'");
    }

    private static boolean bool(String value, String key) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true":
            case "on":
                return true;
            case "false":
            case "off":
                return false;
            default:
                throw new IllegalArgumentException(key + " must be true or false, got '" + value + "'");
        }
    }
}
