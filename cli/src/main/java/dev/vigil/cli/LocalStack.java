package dev.vigil.cli;

import dev.vigil.sinks.postgres.SchemaMigrator;
import dev.vigil.stack.EmbeddedStack;

/** Starts the embedded stack the way {@code vigil stack} and {@code vigil demo} both need it: topics created, schema applied. */
final class LocalStack {
    private LocalStack() {
    }

    static EmbeddedStack start(int kafkaPort, int postgresPort, int redisPort, String eventsTopic, int partitions,
                               String dlqTopic) {
        EmbeddedStack stack = EmbeddedStack.builder()
                .kafkaPort(kafkaPort).postgresPort(postgresPort).redisPort(redisPort)
                .topic(eventsTopic, partitions)
                .topic(dlqTopic, 1)
                .start();
        try {
            SchemaMigrator.migrate(stack.postgresJdbcUrl());
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /** The three connection lines of the contract, in its order. */
    static String connectionLines(EmbeddedStack stack) {
        return "kafka=" + stack.kafkaBootstrapServers() + System.lineSeparator()
                + "postgres=" + stack.postgresJdbcUrl() + System.lineSeparator()
                + "redis=" + stack.redisUrl();
    }
}
