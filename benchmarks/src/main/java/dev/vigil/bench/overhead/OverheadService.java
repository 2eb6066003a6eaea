package dev.vigil.bench.overhead;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * The service {@code vigil bench overhead} loads, in its own JVM, with and without the -javaagent: the
 * JDK's HTTP server answering {@code GET /items/N} with one prepared query through a HikariCP pool on
 * PostgreSQL. It knows nothing of Vigil. Prints {@code ready port=P}; when standard input closes it
 * stops and prints {@code served N}.
 */
public final class OverheadService {

    private static final int THREADS = 8;

    private OverheadService() {
    }

    public static void main(String[] args) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setMaximumPoolSize(THREADS);
        LongAdder served = new LongAdder();
        try (HikariDataSource pool = new HikariDataSource(config)) {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
            server.createContext("/items/", exchange -> {
                item(pool, exchange);
                served.increment();
            });
            ExecutorService workers = Executors.newFixedThreadPool(THREADS);
            server.setExecutor(workers);
            server.start();
            System.out.println("ready port=" + server.getAddress().getPort());
            System.out.flush();
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // runs until the benchmark closes standard input
                }
            }
            server.stop(0);
            workers.shutdown();
        }
        System.out.println("served " + served.sum());
    }

    private static void item(HikariDataSource pool, HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        int id = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
        String name = null;
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT name FROM bench_items WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    name = rs.getString(1);
                }
            }
        } catch (SQLException e) {
            throw new IOException(e);
        }
        byte[] body = (name == null ? "no item " + id : name).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(name == null ? 404 : 200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
