package dev.vigil.cli;

import dev.vigil.dashboard.DashboardServer;
import dev.vigil.jobs.JobOptions;
import dev.vigil.sinks.postgres.PostgresUrl;
import dev.vigil.sinks.redis.RedisUrl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serves the SLA status API (docs/api.md) and the live web dashboard: services at a glance, "
                    + "p50/p95/p99 against the SLA thresholds, error and hit rates, SLA compliance and the alert "
                    + "timeline. Reads PostgreSQL only (every session is read-only; an analyst role's URL is enough); "
                    + "with --redis, new alerts appear on the page within seconds.",
            "Prints dashboard=http://HOST:PORT/ and then ready; runs until Ctrl-C or SIGTERM."
        })
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--postgres", required = true, paramLabel = "URL",
            description = "PostgreSQL URL of a role that can read Vigil's tables (see vigil analyst-role): "
                    + "jdbc:postgresql://HOST:PORT/DB?user=U&password=P or postgresql://U:P@HOST:PORT/DB")
    String postgres;

    @Option(names = "--redis", paramLabel = "URL",
            description = "redis://HOST:PORT of the job's alerts, for live updates (without it the page polls every 10 s).")
    String redis;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port to listen on (default: ${DEFAULT-VALUE}; 0: any free port).")
    int port;

    @Option(names = "--bind", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0: every interface).")
    String bind;

    @Option(names = "--postgres-password-file", paramLabel = "FILE",
            description = "Read the PostgreSQL password from the first line of FILE (or set VIGIL_POSTGRES_PASSWORD).")
    Path postgresPasswordFile;

    @Option(names = "--redis-password-file", paramLabel = "FILE",
            description = "Read the Redis password from the first line of FILE (or set VIGIL_REDIS_PASSWORD).")
    Path redisPasswordFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PostgresUrl postgresUrl = JobOptions.postgresUrl(postgres, postgresPasswordFile, System::getenv);
        RedisUrl redisUrl = JobOptions.redisUrl(redis, redisPasswordFile, System::getenv);
        DashboardServer server = DashboardServer.builder().postgres(postgresUrl).redis(redisUrl).bind(bind).port(port).build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "vigil-serve-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("dashboard=" + server.url());
        out.println("ready");
        out.flush();
        stopped.await();
        return 0;
    }
}
