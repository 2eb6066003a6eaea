package dev.vigil.sample;

import java.sql.PreparedStatement;

/**
 * A statement class that already declares the field the agent adds to prepared statements, so the JDBC
 * instrumentation cannot apply to it: the agent must say so once and leave the class as it is.
 */
@SuppressWarnings("unused")
abstract class ClashingStatement implements PreparedStatement {
    private String vigil$fingerprint;
}
