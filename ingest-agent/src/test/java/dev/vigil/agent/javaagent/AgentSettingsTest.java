package dev.vigil.agent.javaagent;

import dev.vigil.agent.RecordFormat;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentSettingsTest {

    @Test
    void argumentsWithCommasInAValue() {
        AgentSettings s = AgentSettings.parse("service=shop,bootstrap.servers=a:9092,b:9092,topic=t,linger.ms=50", Map.of());
        assertThat(s.service).isEqualTo("shop");
        assertThat(s.bootstrapServers).isEqualTo("a:9092,b:9092");
        assertThat(s.topic).isEqualTo("t");
        assertThat(s.producer).containsEntry("linger.ms", "50");
        assertThat(s.on).containsExactly(true, true, true, true);
        assertThat(s.format).as("the default").isEqualTo(RecordFormat.BATCH);
    }

    @Test
    void theRecordFormatCanBeV1ForOtherConsumersOfTheTopic() {
        assertThat(AgentSettings.parse("service=a,bootstrap.servers=k:1,format=v1", Map.of()).format).isEqualTo(RecordFormat.V1);
        assertThat(AgentSettings.parse("service=a,bootstrap.servers=k:1", Map.of("VIGIL_FORMAT", "V1")).format)
                .isEqualTo(RecordFormat.V1);
        assertThatThrownBy(() -> AgentSettings.parse("service=a,bootstrap.servers=k:1,format=avro", Map.of()))
                .hasMessage("format must be batch or v1, got 'avro'");
    }

    @Test
    void theEnvironmentFillsWhatTheArgumentsLeaveOut() {
        AgentSettings s = AgentSettings.parse("service=from-args", Map.of("VIGIL_SERVICE", "from-env",
                "VIGIL_BOOTSTRAP_SERVERS", "k:9092", "VIGIL_TOPIC", "events", "VIGIL_INSTRUMENT_HTTP_CLIENT", "false"));
        assertThat(s.service).isEqualTo("from-args");
        assertThat(s.bootstrapServers).isEqualTo("k:9092");
        assertThat(s.topic).isEqualTo("events");
        assertThat(s.on).containsExactly(true, true, true, false);
        assertThat(s.describe()).isEqualTo("service=from-args bootstrap.servers=k:9092 topic=events instrumenting "
                + "http-server, servlet, jdbc");
    }

    @Test
    void instrumentationsCanBeTurnedOff() {
        AgentSettings s = AgentSettings.parse("service=a,bootstrap.servers=k:1,instrument.jdbc=off,instrument.servlet=false", Map.of());
        assertThat(s.on).containsExactly(true, false, false, true);
    }

    @Test
    void mistakesSayWhatIsWrong() {
        assertThatThrownBy(() -> AgentSettings.parse("bootstrap.servers=k:1", Map.of()))
                .hasMessage("service is required (agent argument service=NAME or VIGIL_SERVICE)");
        assertThatThrownBy(() -> AgentSettings.parse("service=a", Map.of()))
                .hasMessageStartingWith("bootstrap.servers is required");
        assertThatThrownBy(() -> AgentSettings.parse("servce=a,bootstrap.servers=k:1", Map.of()))
                .hasMessageStartingWith("unknown agent argument 'servce'");
        assertThatThrownBy(() -> AgentSettings.parse("service=a,bootstrap.servers=k:1,instrument.grpc=false", Map.of()))
                .hasMessage("unknown instrumentation 'grpc' (known: http-server, servlet, jdbc, http-client)");
        assertThatThrownBy(() -> AgentSettings.parse("service=a,bootstrap.servers=k:1,instrument.jdbc=maybe", Map.of()))
                .hasMessage("instrument.jdbc must be true or false, got 'maybe'");
        assertThatThrownBy(() -> AgentSettings.parse("service=a,service=b", Map.of()))
                .hasMessage("agent argument 'service' is given twice");
        assertThatThrownBy(() -> AgentSettings.parse("shop", Map.of()))
                .hasMessage("agent argument 'shop' is not KEY=VALUE");
        assertThatThrownBy(() -> AgentSettings.parse("service=a,bootstrap.servers=k:1,max.routes=0", Map.of()))
                .hasMessage("max.routes must be a positive whole number, got '0'");
    }
}
