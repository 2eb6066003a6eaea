package dev.vigil.jobs;

import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.EmbeddedStack;
import dev.vigil.stack.TopicSpec;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the job jar checks at submission, against the real services: each problem named in words. */
@ExtendWith(EmbeddedStackExtension.class)
class PreflightIT {

    static PipelineConfig config(EmbeddedStack stack, String kafka, String db, String topic) {
        return PipelineConfig.builder().kafka(kafka).postgres(db).eventsTopic(topic).build();
    }

    @Test
    void aMigratedDatabaseAndAnExistingTopicPass(EmbeddedStack stack) {
        stack.kafka().createTopics(List.of(new TopicSpec("preflight.events", 1)));
        String db = stack.postgres().createDatabase("preflight_ok");
        SchemaMigrator.migrate(db);
        assertThatCode(() -> Preflight.check(config(stack, stack.kafkaBootstrapServers(), db, "preflight.events")))
                .doesNotThrowAnyException();
    }

    @Test
    void aDatabaseWithoutTheSchemaIsSentToVigilMigrate(EmbeddedStack stack) {
        String db = stack.postgres().createDatabase("preflight_empty");
        assertThatThrownBy(() -> Preflight.check(config(stack, stack.kafkaBootstrapServers(), db, "preflight.events")))
                .isInstanceOf(Preflight.PreflightException.class)
                .hasMessageMatching(".*is at version none, this job writes version \\d+: run `vigil migrate --postgres URL` first")
                .hasMessageNotContaining("password=vigil");
    }

    @Test
    void anUnreachableDatabaseIsNamedWithItsPasswordMasked(EmbeddedStack stack) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String db = "jdbc:postgresql://localhost:" + closed + "/x?user=u&password=secret";
        assertThatThrownBy(() -> Preflight.check(config(stack, stack.kafkaBootstrapServers(), db, "preflight.events")))
                .hasMessageStartingWith("cannot read the schema of jdbc:postgresql://localhost:" + closed
                        + "/x?user=u&password=***")
                .hasMessageNotContaining("secret");
    }

    @Test
    void kafkaClientPropertiesApplyToTheCheckToo(EmbeddedStack stack) {
        String db = stack.postgres().createDatabase("preflight_props");
        SchemaMigrator.migrate(db);
        PipelineConfig sasl = config(stack, stack.kafkaBootstrapServers(), db, "preflight.events").toBuilder()
                .kafkaProperties(java.util.Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                        "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                                + "username=\"u\" password=\"p\";"))
                .build();
        assertThatThrownBy(() -> Preflight.check(sasl)).as("a SASL client cannot talk to this plaintext broker")
                .hasMessageStartingWith("cannot reach Kafka at " + stack.kafkaBootstrapServers());
    }

    @Test
    void aMissingEventsTopicIsNamed(EmbeddedStack stack) {
        String db = stack.postgres().createDatabase("preflight_topic");
        SchemaMigrator.migrate(db);
        assertThatThrownBy(() -> Preflight.check(config(stack, stack.kafkaBootstrapServers(), db, "no.such.topic")))
                .hasMessage("the events topic no.such.topic does not exist on Kafka at " + stack.kafkaBootstrapServers()
                        + " (create it, or name another with --events-topic)");
    }
}
