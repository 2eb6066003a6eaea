package dev.vigil.cli;

/** Option descriptions several commands share, so they say the same thing the same way. */
final class OptionText {
    private OptionText() {
    }

    /** {@code --postgres} of the commands that change Vigil's tables: their owner connects. */
    static final String OWNER_POSTGRES_URL = "PostgreSQL URL of the tables' owner: "
            + "jdbc:postgresql://HOST:PORT/DB?user=U&password=P or postgresql://U:P@HOST:PORT/DB";
}
