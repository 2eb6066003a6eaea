package dev.vigil.sinks.postgres;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresUrlTest {

    @Test
    void keepsAJdbcUrl() {
        String url = "jdbc:postgresql://localhost:5432/vigil?user=vigil&password=vigil";
        assertThat(PostgresUrl.toJdbc(url)).isEqualTo(url);
    }

    @Test
    void convertsALibpqUrlWithCredentials() {
        assertThat(PostgresUrl.toJdbc("postgresql://vigil:s%40cret@db.local:6543/metrics?sslmode=require"))
                .isEqualTo("jdbc:postgresql://db.local:6543/metrics?user=vigil&password=s%40cret&sslmode=require");
        assertThat(PostgresUrl.toJdbc("postgres://db/metrics")).isEqualTo("jdbc:postgresql://db/metrics");
    }

    @Test
    void rejectsOtherSchemesWithoutEchoingThePassword() {
        assertThatThrownBy(() -> PostgresUrl.toJdbc("mysql://u:topsecret@h/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a PostgreSQL URL")
                .hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> PostgresUrl.toJdbc(" ")).hasMessage("PostgreSQL URL is empty");
    }

    @Test
    void redactsPasswords() {
        assertThat(PostgresUrl.redact("jdbc:postgresql://h:1/d?user=u&password=p&ssl=true"))
                .isEqualTo("jdbc:postgresql://h:1/d?user=u&password=***&ssl=true");
        assertThat(PostgresUrl.redact("postgresql://u:p@h/d")).isEqualTo("postgresql://u:***@h/d");
    }
}
