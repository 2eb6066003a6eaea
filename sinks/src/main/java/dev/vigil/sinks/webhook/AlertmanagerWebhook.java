package dev.vigil.sinks.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.model.AlertEvent;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One alert transition as the body of an Alertmanager webhook (version 4), the format chat and paging
 * receivers already accept. Each body holds one group of one alert: the group is the alert series (rule,
 * type, service, name), so the group's status is the alert's.
 *
 * <ul>
 *   <li>labels: {@code alertname} (the rule), {@code severity}, {@code service}, {@code type},
 *       {@code name}, {@code metric}</li>
 *   <li>annotations: {@code summary}, {@code value}, {@code threshold}, {@code event} (firing, escalated,
 *       resolved), {@code window_start}, {@code window_end}, {@code alert_id}</li>
 *   <li>{@code startsAt}: when the breach began; {@code endsAt}: the end of the window that resolved it,
 *       or Alertmanager's zero time while firing</li>
 * </ul>
 */
public final class AlertmanagerWebhook {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Alertmanager sends as {@code endsAt} for an alert that has not ended. */
    static final String NOT_ENDED = "0001-01-01T00:00:00Z";

    private AlertmanagerWebhook() {
    }

    public static String body(AlertEvent a, String receiver, String externalUrl) {
        Map<String, String> group = new TreeMap<>(Map.of("alertname", a.rule(), "type", a.type(),
                "service", a.service(), "name", a.name()));
        Map<String, String> labels = new TreeMap<>(group);
        labels.put("severity", a.severity());
        labels.put("metric", a.metric());
        Map<String, String> annotations = new TreeMap<>();
        annotations.put("summary", a.summary());
        annotations.put("value", number(a.value()));
        annotations.put("threshold", number(a.threshold()));
        annotations.put("event", a.event());
        annotations.put("window_start", Instant.ofEpochMilli(a.windowStart()).toString());
        annotations.put("window_end", Instant.ofEpochMilli(a.windowEnd()).toString());
        annotations.put("alert_id", a.alertId());

        ObjectNode body = JSON.createObjectNode()
                .put("version", "4")
                .put("groupKey", groupKey(group))
                .put("truncatedAlerts", 0)
                .put("status", a.status())
                .put("receiver", receiver);
        body.set("groupLabels", JSON.valueToTree(group));
        body.set("commonLabels", JSON.valueToTree(labels));
        body.set("commonAnnotations", JSON.valueToTree(annotations));
        body.put("externalURL", externalUrl);
        ObjectNode alert = body.putArray("alerts").addObject()
                .put("status", a.status());
        alert.set("labels", JSON.valueToTree(labels));
        alert.set("annotations", JSON.valueToTree(annotations));
        alert.put("startsAt", Instant.ofEpochMilli(a.startedAt()).toString())
                .put("endsAt", a.status().equals(AlertEvent.RESOLVED) ? Instant.ofEpochMilli(a.windowEnd()).toString() : NOT_ENDED)
                .put("generatorURL", externalUrl)
                .put("fingerprint", a.fingerprint());
        return body.toString();
    }

    /** Alertmanager's form: {@code {}:{alertname="request-p95", name="GET /x", service="shop", type="request"}}. */
    static String groupKey(Map<String, String> groupLabels) {
        StringBuilder key = new StringBuilder("{}:{");
        groupLabels.forEach((k, v) -> {
            if (key.length() > 4) {
                key.append(", ");
            }
            key.append(k).append("=\"").append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        });
        return key.append('}').toString();
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "no data";
        }
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString(); // 612.5, 0.05, 500
    }
}
