package dev.vigil.bench.pipeline;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The CPU time a PostgreSQL server on this machine has used: every live process of it (the postmaster and
 * its children: backends, WAL writer, checkpointer, autovacuum) plus what its exited children used, which
 * the kernel adds to the postmaster's {@code cutime}/{@code cstime} when it reaps them. The difference of
 * two readings is what the server spent in between, whoever did the work. Linux {@code /proc} only.
 */
final class PostgresCpu {
    /** Clock ticks per second of {@code /proc/[pid]/stat}'s times: 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long postmasterPid;

    private PostgresCpu(long postmasterPid) {
        this.postmasterPid = postmasterPid;
    }

    /** The server behind {@code jdbcUrl}, found as the parent of one of its backends. */
    static PostgresCpu of(String jdbcUrl) throws SQLException, IOException {
        // Read while the connection is open: its backend exits when it closes (a CI run once lost that race).
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return new PostgresCpu(Long.parseLong(fields(rs.getLong(1))[1]));
        }
    }

    /** CPU seconds used so far by the server's live processes and its reaped children. */
    double seconds() throws IOException {
        long ticks = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                String[] f;
                try {
                    f = fields(pid);
                } catch (IOException gone) {
                    continue; // exited while listed: its time is in the postmaster's cutime by now or soon
                }
                if (pid == postmasterPid) {
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
                } else if (Long.parseLong(f[1]) == postmasterPid) {
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    /**
     * The fields of {@code /proc/[pid]/stat} after the command name (which may hold spaces): index 0 is the
     * state, 1 the parent's pid, 11 and 12 user and system time, 13 and 14 those of reaped children.
     */
    private static String[] fields(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }
}
