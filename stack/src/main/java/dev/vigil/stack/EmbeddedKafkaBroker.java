package dev.vigil.stack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real Kafka broker: one combined KRaft broker/controller node, in-process, from Kafka's own test kit.
 *
 * <p>Settings that matter on a single node: the offsets topic gets replication 1 (otherwise consumer
 * groups never commit), group rebalances start at once, and the metadata version is the latest
 * production one (the kit would otherwise format an unstable one).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final String PINNED_LISTENER = "PINNED";

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafkaBroker(KafkaClusterTestKit cluster, String bootstrapServers) {
        this.cluster = cluster;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker whose data lives under {@code baseDir}.
     *
     * @param port the client port, or 0 for one the broker picks
     */
    public static EmbeddedKafkaBroker start(Path baseDir, int port) {
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(baseDir)
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setConfigProp("num.partitions", "1")
                    .setDeleteOnClose(true);
            if (port != 0) {
                // The kit pre-binds a random port for its own broker listener whatever the config says, so
                // a pinned port gets a listener of its own that the kit leaves to the broker to bind.
                String external = nodes.brokerListenerName().value();
                String controller = nodes.controllerListenerName().value();
                builder.setConfigProp("listeners", external + "://localhost:0," + controller + "://localhost:0,"
                                + PINNED_LISTENER + "://localhost:" + port)
                        .setConfigProp("listener.security.protocol.map", external + ":PLAINTEXT," + controller
                                + ":PLAINTEXT," + PINNED_LISTENER + ":PLAINTEXT");
            }
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafkaBroker(cluster, port != 0 ? "localhost:" + port : cluster.bootstrapServers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(cluster);
            throw new StackException("interrupted while starting Kafka", e);
        } catch (Exception e) {
            closeQuietly(cluster);
            throw new StackException("Kafka did not start: " + e.getMessage(), e);
        }
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates the topics; ones that exist already are left as they are. */
    public void createTopics(Collection<TopicSpec> topics) {
        if (topics.isEmpty()) {
            return;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            List<NewTopic> newTopics = topics.stream()
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1))
                    .toList();
            for (var entry : admin.createTopics(newTopics).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new StackException("cannot create topic " + entry.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            awaitLeaders(admin, topics.stream().map(TopicSpec::name).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits until every partition of {@code topics} has a leader. A topic is created before its
     * partitions have one; a producer that writes in between gets NOT_LEADER_OR_FOLLOWER and, seen here,
     * an idempotent producer could then lose its first batch to an endless OUT_OF_ORDER_SEQUENCE_NUMBER.
     */
    private static void awaitLeaders(Admin admin, List<String> topics) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                boolean ready = admin.describeTopics(topics).allTopicNames().get().values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                if (ready) {
                    Thread.sleep(200); // the broker applies its leadership just after it publishes it
                    return;
                }
            } catch (ExecutionException e) {
                // not known yet: ask again
            }
            if (System.nanoTime() > deadline) {
                throw new StackException("topics " + topics + " have no leader after 30 s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * An outage, for failure tests: stops the broker, keeping its data and its controller; clients get no
     * answer until {@link #restartBroker()}. Use a pinned port, so clients find the broker again.
     */
    public void stopBroker() {
        cluster.brokers().values().forEach(broker -> broker.shutdown());
    }

    /** Starts the broker {@link #stopBroker()} stopped, on the same ports and with the same data. */
    public void restartBroker() {
        cluster.brokers().values().forEach(broker -> broker.startup());
        try {
            cluster.waitForReadyBrokers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while restarting Kafka", e);
        } catch (Exception e) {
            throw new StackException("Kafka did not start again: " + e.getMessage(), e);
        }
    }

    /** Stops the broker and deletes its data. Safe to call more than once (the kit itself is not). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(cluster);
        }
    }

    private static void closeQuietly(KafkaClusterTestKit cluster) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            // Shutting down: nothing useful to do with a failure here beyond not masking the original one.
        }
    }
}
