package dev.vigil.stack;

import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real redis-server (the binary shipped in embedded-redis) as a child process on loopback.
 *
 * <p>Persistence is off and its working folder is the per-run folder handed in, so nothing is written
 * elsewhere; by default embedded-redis would unpack its binary into a fresh /tmp folder each run.
 */
public final class EmbeddedRedisServer implements AutoCloseable {

    private final RedisServer server;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedRedisServer(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * @param workDir per-run folder for the binary and any files Redis writes
     * @param port    the port, or 0 for a free one
     */
    public static EmbeddedRedisServer start(Path workDir, int port) {
        int chosen = Ports.orFree(port);
        RedisServer server;
        try {
            server = RedisServer.newRedisServer()
                    .executableProvider(ExecutableProvider.newJarResourceProvider(workDir.toFile()))
                    .port(chosen)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + workDir.toAbsolutePath())
                    .onShutdownForceStop(true)
                    .build();
            server.start();
        } catch (IOException | RuntimeException e) {
            throw new StackException("Redis did not start on port " + chosen + ": " + e.getMessage(), e);
        }
        return new EmbeddedRedisServer(server, chosen);
    }

    public int port() {
        return port;
    }

    /** {@code redis://localhost:PORT}. */
    public String url() {
        return "redis://localhost:" + port;
    }

    /** Stops the server process. Safe to call more than once. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                server.stop();
            } catch (IOException e) {
                throw new StackException("Redis did not stop cleanly: " + e.getMessage(), e);
            }
        }
    }
}
