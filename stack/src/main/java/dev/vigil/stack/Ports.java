package dev.vigil.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Port helpers for services that cannot bind port 0 and report back (Redis, PostgreSQL, Flink's REST). */
public final class Ports {
    private Ports() {
    }

    /** The given port, or a currently free loopback port when it is 0. */
    public static int orFree(int port) {
        if (port != 0) {
            return port;
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
