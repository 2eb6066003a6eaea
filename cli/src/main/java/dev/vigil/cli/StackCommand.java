package dev.vigil.cli;

import dev.vigil.events.Topics;
import dev.vigil.stack.EmbeddedStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(
        name = "stack",
        mixinStandardHelpOptions = true,
        description = {
            "Starts a local Kafka broker (KRaft), PostgreSQL 17 and Redis, creates the topics, applies the schema, "
                    + "prints where they listen and runs until SIGINT/SIGTERM (Ctrl-C), then stops all three.",
            "",
            "Standard output, one per line: kafka=HOST:PORT, postgres=JDBC_URL, redis=redis://HOST:PORT, then ready.",
            "For psql, drop the jdbc: prefix: psql \"postgresql://localhost:PORT/vigil?user=vigil&password=vigil\"."
        })
final class StackCommand implements Callable<Integer> {

    @Option(names = "--kafka-port", paramLabel = "N", description = "Kafka client port (default: a free port).")
    int kafkaPort;

    @Option(names = "--postgres-port", paramLabel = "N", description = "PostgreSQL port (default: a free port).")
    int postgresPort;

    @Option(names = "--redis-port", paramLabel = "N", description = "Redis port (default: a free port).")
    int redisPort;

    @Option(names = "--events-topic", paramLabel = "NAME", defaultValue = Topics.EVENTS,
            description = "Events topic to create (default: ${DEFAULT-VALUE}).")
    String eventsTopic;

    @Option(names = "--dlq-topic", paramLabel = "NAME", defaultValue = Topics.DEAD_LETTER,
            description = "Dead-letter topic to create (default: ${DEFAULT-VALUE}).")
    String dlqTopic;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4",
            description = "Partitions of the events topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws InterruptedException {
        // Stdout carries only the four contract lines; libraries that print to System.out (Kafka's storage
        // formatter does) are sent to stderr with the logs.
        PrintStream out = System.out;
        System.setOut(System.err);
        System.err.println("starting Kafka, PostgreSQL and Redis ...");
        EmbeddedStack stack = LocalStack.start(kafkaPort, postgresPort, redisPort, eventsTopic, partitions, dlqTopic);
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C and SIGTERM run shutdown hooks: stop the services there, then let the JVM exit.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("stopping ...");
            try {
                stack.close();
                System.err.println("stopped");
            } finally {
                stopped.countDown();
            }
        }, "vigil-stack-shutdown"));
        out.println(LocalStack.connectionLines(stack));
        out.println("ready");
        out.flush();
        System.err.printf("topics: %s (%d partitions), %s. psql: psql \"%s\". Ctrl-C to stop.%n",
                eventsTopic, partitions, dlqTopic, stack.postgresJdbcUrl().substring("jdbc:".length()));
        stopped.await();
        return 0;
    }
}
