package dev.vigil.jobs;

import dev.vigil.sinks.postgres.SchemaMigrationException;
import dev.vigil.sinks.postgres.SchemaMigrator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks made once, where the job is submitted, before anything runs: that PostgreSQL answers and has
 * this build's schema, and that Kafka answers and has the events topic. A job that started without them
 * would only restart, with growing delays, until it gave up; this says what is wrong at once, in words.
 */
public final class Preflight {
    private static final long KAFKA_TIMEOUT_MS = 15_000;

    private Preflight() {
    }

    /** @throws PreflightException saying what is missing and what to do about it */
    public static void check(PipelineConfig cfg) {
        checkSchema(cfg);
        checkEventsTopic(cfg);
    }

    static void checkSchema(PipelineConfig cfg) {
        SchemaMigrator.Status schema;
        try {
            schema = SchemaMigrator.status(cfg.postgres());
        } catch (SchemaMigrationException e) {
            throw new PreflightException("cannot read the schema of " + cfg.postgres() + ": " + e.getMessage());
        }
        if (!schema.upToDate()) {
            throw new PreflightException("the schema of " + cfg.postgres() + " is at version " + schema.current()
                    + ", this job writes version " + schema.latest() + ": run `vigil migrate --postgres URL` first");
        }
    }

    static void checkEventsTopic(PipelineConfig cfg) {
        Map<String, Object> config = new java.util.HashMap<>(cfg.kafkaProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cfg.kafka());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT_MS);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT_MS);
        try (Admin admin = Admin.create(config)) {
            admin.describeTopics(List.of(cfg.eventsTopic())).allTopicNames().get(KAFKA_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new PreflightException("the events topic " + cfg.eventsTopic() + " does not exist on Kafka at "
                        + cfg.kafka() + " (create it, or name another with --events-topic)");
            }
            throw new PreflightException("cannot reach Kafka at " + cfg.kafka() + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new PreflightException("cannot reach Kafka at " + cfg.kafka() + " within "
                    + KAFKA_TIMEOUT_MS / 1000 + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PreflightException("interrupted while checking Kafka at " + cfg.kafka());
        }
    }

    /** What stops a submission, in words. */
    public static final class PreflightException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PreflightException(String message) {
            super(message);
        }
    }
}
