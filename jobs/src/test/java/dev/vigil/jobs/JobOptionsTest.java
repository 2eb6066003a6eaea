package dev.vigil.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Passwords can stay off the command line, and none shows where Vigil prints or Flink displays the job. */
class JobOptionsTest {

    static final String SECRET = "s3cr!t-pw";

    static JobOptions parse(String... args) {
        JobOptions options = new JobOptions();
        options.environment = name -> null;
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void passwordsFromFilesReachTheConnectionsButNothingThatIsShown(@TempDir Path dir) throws Exception {
        Path pg = Files.writeString(dir.resolve("pg"), SECRET + "\n");
        Path redis = Files.writeString(dir.resolve("redis"), SECRET);
        PipelineConfig cfg = parse("--kafka", "broker:9092", "--postgres", "jdbc:postgresql://db:5432/vigil?user=vigil",
                "--postgres-password-file", pg.toString(), "--redis", "redis://cache:6379",
                "--redis-password-file", redis.toString()).toConfig();

        assertThat(cfg.postgres().jdbc()).isEqualTo("jdbc:postgresql://db:5432/vigil?user=vigil&password=s3cr%21t-pw");
        assertThat(cfg.redis().uri().getUserInfo()).isEqualTo(":" + SECRET);
        assertThat(cfg.toString()).doesNotContain("s3cr").contains("password=***", "redis://:***@cache:6379");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        VigilJob.configure(env, cfg);
        VigilJob.assemble(env, cfg);
        assertThat(env.getExecutionPlan()).as("the plan the web UI shows").doesNotContain("s3cr");
        assertThat(env.getConfiguration().toString()).as("the job's configuration").doesNotContain("s3cr");
        assertThat(env.getConfig().toString()).doesNotContain("s3cr");
    }

    @Test
    void kafkaClientPropertiesComeFromAFileAndAreNeverShown(@TempDir Path dir) throws Exception {
        Path properties = Files.writeString(dir.resolve("kafka.properties"), String.join("\n",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=PLAIN",
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"vigil\" "
                        + "password=\"" + SECRET + "\";"));
        PipelineConfig cfg = parse("--kafka", "broker:9092", "--postgres", "postgresql://db/vigil",
                "--kafka-properties-file", properties.toString()).toConfig();

        assertThat(cfg.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN").hasEntrySatisfying("sasl.jaas.config", v -> assertThat(v).contains(SECRET));
        assertThat(cfg.toString()).doesNotContain("s3cr").contains("kafkaProperties=[sasl.jaas.config, sasl.mechanism, security.protocol]");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        VigilJob.assemble(env, cfg);
        assertThat(env.getExecutionPlan()).doesNotContain("s3cr");
    }

    @Test
    void aPasswordFromTheEnvironmentReplacesTheOneInTheUrl() {
        JobOptions options = new JobOptions();
        options.environment = name -> name.equals("VIGIL_POSTGRES_PASSWORD") ? SECRET : null;
        new CommandLine(options).parseArgs("--kafka", "broker:9092", "--postgres", "postgresql://vigil:old@db/vigil");
        PipelineConfig cfg = options.toConfig();
        assertThat(cfg.postgres().jdbc()).isEqualTo("jdbc:postgresql://db/vigil?user=vigil&password=s3cr%21t-pw");
        assertThat(cfg.redis()).isNull();
    }

    @Test
    void anUnreadablePasswordFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> parse("--kafka", "broker:9092", "--postgres", "postgresql://db/vigil",
                "--postgres-password-file", missing.toString()).toConfig())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot read --postgres-password-file " + missing + ": ");
    }
}
