package dev.vigil.sinks.postgres;

import dev.vigil.stack.EmbeddedStack;
import dev.vigil.testing.EmbeddedStackExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(EmbeddedStackExtension.class)
class AnalystRoleIT {

    @Test
    void theAnalystRoleReadsEveryVigilTableAndWritesNothing(EmbeddedStack stack) throws SQLException {
        String owner = stack.postgres().createDatabase("analyst_role");
        SchemaMigrator.migrate(owner);
        execute(owner, """
                INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate, latency_hist)
                VALUES ('request', 'checkout', '*', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 4, 0, 0,
                        ARRAY[latency_bucket_of_ns(1000000) << 40 | 3, latency_bucket_of_ns(12500000) << 40 | 1])""");

        superuser(stack, "ALTER ROLE vigil CREATEROLE"); // an owner that may create roles
        AnalystRole.Result result = AnalystRole.grant(owner, "analyst_it", "s3cret 'quoted'");
        assertThat(result.created()).isTrue();
        assertThat(result.canLogIn()).isTrue();
        assertThat(result.readOnlySessions()).isTrue();
        assertThat(AnalystRole.grant(owner, "analyst_it", "s3cret 'quoted'").created()).as("again: unchanged").isFalse();
        execute(owner, "CREATE TABLE later_table (x int)"); // a later migration's table
        execute(owner, "INSERT INTO later_table VALUES (1)");

        String analyst = owner.replaceFirst("user=[^&]*&password=[^&]*", "user=analyst_it&password=s3cret%20%27quoted%27");
        try (Connection c = DriverManager.getConnection(analyst); Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM metric_windows")).isEqualTo("1");
            assertThat(single(st, "SELECT latency_quantile(latency_hist, 0.5) FROM metric_windows"))
                    .as("the upper edge of 1 ms's bucket").isEqualTo("1.003519");
            assertThat(single(st, "SELECT count(*) FROM alerts")).isEqualTo("0");
            assertThat(single(st, "SELECT count(*) FROM later_table")).isEqualTo("1");
            for (String write : List.of(
                    "INSERT INTO metric_windows (type, service, name, window_start, window_end, count, errors, error_rate) "
                            + "VALUES ('request', 'x', '*', now(), now() + interval '1 minute', 1, 0, 0)",
                    "UPDATE metric_windows SET count = 0",
                    "DELETE FROM alerts",
                    "TRUNCATE metric_windows",
                    "DROP TABLE alerts",
                    "ALTER TABLE metric_windows ADD COLUMN x int",
                    "CREATE TABLE mine (x int)",
                    "INSERT INTO later_table VALUES (2)",
                    "SET default_transaction_read_only = off; INSERT INTO later_table VALUES (3)")) {
                assertThatThrownBy(() -> st.execute(write)).as(write).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("42501", "25006"));
            }
        }
        try (Connection c = DriverManager.getConnection(owner); Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM metric_windows WHERE count = 4")).as("nothing changed").isEqualTo("1");
            assertThat(single(st, "SELECT count(*) FROM later_table")).isEqualTo("1");
        }
    }

    @Test
    void anOwnerWithoutCreateroleGrantsToARoleAnAdministratorMadeAndIsToldWhatToDoOtherwise(EmbeddedStack stack)
            throws SQLException {
        String owner = stack.postgres().createDatabase("analyst_nologin");
        SchemaMigrator.migrate(owner);
        superuser(stack, "ALTER ROLE vigil NOCREATEROLE");
        try {
            assertThatThrownBy(() -> AnalystRole.grant(owner, "analyst_missing", null))
                    .hasMessageStartingWith("cannot create role analyst_missing (ERROR: permission denied to create role). "
                            + "Create it as an administrator (CREATE ROLE analyst_missing NOLOGIN;), then run this again");
            superuser(stack, "CREATE ROLE analyst_group NOLOGIN");
            AnalystRole.Result result = AnalystRole.grant(owner, "analyst_group", null);
            assertThat(result.created()).isFalse();
            assertThat(result.canLogIn()).isFalse();
            assertThat(result.readOnlySessions()).as("not this user's to set").isFalse();
            assertThatThrownBy(() -> AnalystRole.grant(owner, "analyst_group", "pw"))
                    .hasMessageStartingWith("cannot set the password of role analyst_group");
        } finally {
            superuser(stack, "ALTER ROLE vigil CREATEROLE");
        }
        assertThatThrownBy(() -> AnalystRole.grant(owner, "Robert'); DROP TABLE alerts;--", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--role must be a lower-case name");
    }

    static void superuser(EmbeddedStack stack, String sql) throws SQLException {
        execute(stack.postgres().jdbcUrl("postgres").replaceFirst("\\?.*", "?user=postgres"), sql);
    }

    static void execute(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
