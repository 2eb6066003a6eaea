package dev.vigil.agent.bootstrap;

/**
 * Added by the agent to every {@code PreparedStatement} class it sees load: the fingerprint of the SQL
 * it was prepared with, set when the connection prepares it, read when it executes. A field on the
 * statement itself, so executing costs no map lookup and holds no lock.
 */
public interface SqlHolder {

    String vigil$fingerprint();

    void vigil$fingerprint(String fingerprint);
}
