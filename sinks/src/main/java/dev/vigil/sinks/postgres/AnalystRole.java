package dev.vigil.sinks.postgres;

import org.postgresql.core.Utils;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * A role for SQL analysts that can read every Vigil table, view and function and write nothing: what
 * {@code vigil analyst-role} creates. Run it as the user that runs the migrations (the tables' owner):
 * the default privileges it sets make the tables of later migrations readable too.
 *
 * <p>The role gets {@code USAGE} on the schema, {@code SELECT} on every table and view in it (now and, by
 * default privileges, later), {@code EXECUTE} on its functions ({@code latency_quantile}), and
 * {@code default_transaction_read_only}; nothing else. It can still make temporary tables of its own (as
 * every PostgreSQL role can unless {@code TEMP} is revoked from {@code PUBLIC}), which touch no Vigil data.
 */
public final class AnalystRole {
    /** Role names this accepts: plain lower-case identifiers, so they need no quoting anywhere. */
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /**
     * What was done.
     *
     * @param readOnlySessions whether the role's sessions default to read-only (set when this user may
     *                         alter the role: it created it, or has CREATEROLE); the grants alone already
     *                         allow no writes
     */
    public record Result(String role, String database, String schema, boolean created, boolean canLogIn,
                         boolean readOnlySessions) {
    }

    private AnalystRole() {
    }

    /**
     * Creates {@code role} if it does not exist and grants it read access to the Vigil schema of
     * {@code url}'s database. Safe to run again.
     *
     * @param password the role's login password, or null for a role that cannot log in (grant it to
     *                 people's own roles: {@code GRANT vigil_analyst TO alice})
     */
    public static Result grant(String url, String role, String password) throws SQLException {
        if (role == null || !NAME.matcher(role).matches()) {
            throw new IllegalArgumentException("--role must be a lower-case name of letters, digits and '_' "
                    + "(at most 63, not starting with a digit), got " + role);
        }
        try (Connection c = DriverManager.getConnection(PostgresUrl.toJdbc(url)); Statement st = c.createStatement()) {
            String database;
            String schema;
            try (ResultSet rs = st.executeQuery("SELECT current_database(), current_schema()")) {
                rs.next();
                database = rs.getString(1);
                schema = rs.getString(2);
            }
            boolean exists;
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'")) {
                exists = rs.next();
            }
            c.setAutoCommit(false);
            if (!exists) {
                try {
                    st.execute("CREATE ROLE " + role + " NOLOGIN");
                } catch (SQLException e) {
                    throw new SQLException("cannot create role " + role + " (" + firstLine(e) + "). Create it as an "
                            + "administrator (CREATE ROLE " + role + " NOLOGIN;), then run this again as the owner of "
                            + "Vigil's tables, the user that runs vigil migrate", e.getSQLState(), e);
                }
            }
            if (password != null && !roleLevel(c, st, "ALTER ROLE " + role + " LOGIN PASSWORD " + literal(password))) {
                throw new SQLException("cannot set the password of role " + role + ": this user may not alter it. "
                        + "Set it as an administrator (ALTER ROLE " + role + " LOGIN PASSWORD '…';) and run this without "
                        + "--password-file");
            }
            String db = quoted(database);
            String s = quoted(schema);
            st.execute("GRANT CONNECT ON DATABASE " + db + " TO " + role);
            st.execute("GRANT USAGE ON SCHEMA " + s + " TO " + role);
            st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + s + " TO " + role);
            st.execute("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + s + " TO " + role);
            st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT SELECT ON TABLES TO " + role);
            st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT EXECUTE ON FUNCTIONS TO " + role);
            // A second lock where this user may set it: even a privilege granted by mistake later cannot write
            // in the role's sessions.
            boolean readOnly = roleLevel(c, st, "ALTER ROLE " + role + " SET default_transaction_read_only = on");
            c.commit();
            boolean canLogIn;
            try (ResultSet rs = st.executeQuery("SELECT rolcanlogin FROM pg_roles WHERE rolname = '" + role + "'")) {
                rs.next();
                canLogIn = rs.getBoolean(1);
            }
            return new Result(role, database, schema, !exists, canLogIn, readOnly);
        }
    }

    /** Runs a statement on the role itself, which needs CREATEROLE or ADMIN on it; false if refused. */
    private static boolean roleLevel(Connection c, Statement st, String sql) throws SQLException {
        java.sql.Savepoint before = c.setSavepoint();
        try {
            st.execute(sql);
            return true;
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) { // anything but "permission denied" is a real error
                throw e;
            }
            c.rollback(before);
            return false;
        }
    }

    private static String firstLine(SQLException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private static String literal(String value) throws SQLException {
        return "'" + Utils.escapeLiteral(null, value, true) + "'";
    }
}
