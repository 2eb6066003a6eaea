package dev.vigil.sample;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small service of the kind the -javaagent is for, run in its own JVM by {@code JavaAgentIT}, once
 * without and once with the agent: the JDK's HTTP server and a Jetty servlet in front of a HikariCP
 * pool over PostgreSQL, and the JDK's HTTP client calling out. It knows nothing of Vigil. It prints
 * {@code ready http=PORT servlet=PORT}, then {@code measured ROUTE NANOS} for each item it serves (its own
 * timing of its handler's work), and stops cleanly when standard input says {@code exit}.
 */
public final class SampleService {

    private static HikariDataSource pool;
    private static int httpPort;

    public static void main(String[] args) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setMaximumPoolSize(4);
        pool = new HikariDataSource(config);
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS agent_items (id int PRIMARY KEY, name text NOT NULL)");
            s.executeUpdate("INSERT INTO agent_items VALUES (1, 'apple'), (2, 'pear'), (3, 'plum') ON CONFLICT DO NOTHING");
        }
        // A statement class that already has the field the agent would add: the one class it cannot instrument.
        Class.forName(ClashingStatement.class.getName());

        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/items/", new ItemsHandler());
        http.createContext("/users/", exchange -> respond(exchange, 200, "orders of " + exchange.getRequestURI().getPath()));
        http.createContext("/fail", new FailingHandler());
        http.createContext("/query-error", SampleService::queryError);
        http.createContext("/outbound", SampleService::outbound);
        http.createContext("/direct", SampleService::direct);
        ExecutorService workers = Executors.newFixedThreadPool(4); // /outbound calls back into this server
        http.setExecutor(workers);
        http.start();
        httpPort = http.getAddress().getPort();

        Server jetty = new Server(new InetSocketAddress("127.0.0.1", 0));
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new OrdersServlet()), "/orders/*");
        jetty.setHandler(context);
        jetty.start();
        int servletPort = ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();

        System.out.println("ready http=" + httpPort + " servlet=" + servletPort);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("exit")) {
            // only exit matters
        }
        http.stop(0);
        workers.shutdown();
        jetty.stop();
        pool.close();
        System.out.println("stopped");
    }

    static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** {@code GET /items/N}: one prepared query through the pool. */
    static final class ItemsHandler implements HttpHandler {
        @Override
        public void handle(HttpExchange exchange) throws IOException {
            long start = System.nanoTime();
            String path = exchange.getRequestURI().getPath();
            int id = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
            String name = null;
            try (Connection c = pool.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT name FROM agent_items WHERE id = ?")) {
                ps.setInt(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        name = rs.getString(1);
                    }
                }
            } catch (SQLException e) {
                throw new IOException(e);
            }
            if (name == null) {
                respond(exchange, 404, "no item " + id);
            } else {
                respond(exchange, 200, name);
            }
            System.out.println("measured GET /items/{id} " + (System.nanoTime() - start));
        }
    }

    /** Throws before it answers: the JDK server closes the exchange. */
    static final class FailingHandler implements HttpHandler {
        @Override
        public void handle(HttpExchange exchange) {
            throw new IllegalStateException("boom from the handler");
        }
    }

    /** A statement that fails: the service sees the driver's exception, unchanged. */
    static void queryError(HttpExchange exchange) throws IOException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.executeQuery("SELECT * FROM agent_nosuch WHERE note = 'FROM elsewhere'");
            respond(exchange, 200, "unexpected");
        } catch (SQLException e) {
            respond(exchange, 500, "caught " + e.getClass().getName() + " state " + e.getSQLState());
        }
    }

    /** Calls this service's own items over HTTP, once synchronously (localhost), once asynchronously (127.0.0.1). */
    static void outbound(HttpExchange exchange) throws IOException {
        HttpClient client = HttpClient.newHttpClient();
        try {
            HttpResponse<String> one = client.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/items/1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> two = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/items/2")).build(),
                    HttpResponse.BodyHandlers.ofString()).join();
            respond(exchange, 200, one.statusCode() + " " + one.body() + ", " + two.statusCode() + " " + two.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 500, "interrupted");
        }
    }

    /** Calls a throwing handler itself: the exception it catches must be the handler's own. */
    static void direct(HttpExchange exchange) throws IOException {
        try {
            new FailingHandler().handle(exchange);
            respond(exchange, 500, "no exception");
        } catch (IllegalStateException e) {
            respond(exchange, 200, "kept " + e.getClass().getName() + ": " + e.getMessage());
        }
    }

    /** {@code GET /orders/N} counts items up to N; {@code /orders/boom} throws to the container. */
    static final class OrdersServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
            String last = req.getPathInfo().substring(1);
            if (last.equals("boom")) {
                throw new ServletException("boom from the servlet");
            }
            try (Connection c = pool.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM agent_items WHERE id <= ?")) {
                ps.setInt(1, Integer.parseInt(last));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    resp.setContentType("text/plain");
                    resp.getWriter().print("orders " + rs.getLong(1));
                }
            } catch (SQLException e) {
                throw new ServletException(e);
            }
        }
    }
}
