package dev.vigil.agent.javaagent;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class SqlFingerprintTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "SELECT name FROM items WHERE id = ?|SELECT items",
            "select * from Public.Items i join orders o on o.item = i.id|SELECT public.items",
            "  -- a comment FROM nowhere\\n SELECT 1 FROM dual|SELECT dual",
            "/* FROM hidden */ select a from b|SELECT b",
            "SELECT 'FROM literal' AS x FROM real_table|SELECT real_table",
            "SELECT 'it''s FROM here' FROM t1|SELECT t1",
            "SELECT $$FROM dollar$$ FROM t2|SELECT t2",
            "SELECT $tag$ FROM x $tag$ FROM t3|SELECT t3",
            "SELECT (SELECT max(v) FROM inner_t) FROM outer_t|SELECT outer_t",
            "SELECT count(*) FROM (SELECT id FROM sub_t) s|SELECT sub_t",
            "SELECT \"Mixed\".\"Case\" FROM \"Mixed\".\"Case\"|SELECT Mixed.Case",
            "INSERT INTO orders (id, total) VALUES (1, 9.5)|INSERT orders",
            "UPDATE accounts SET balance = balance - 10 WHERE id = 7|UPDATE accounts",
            "DELETE FROM sessions WHERE expires < now()|DELETE sessions",
            "WITH recent AS (SELECT * FROM orders WHERE ts > $1) SELECT count(*) FROM recent|SELECT recent",
            "WITH moved AS (DELETE FROM queue RETURNING *) INSERT INTO done SELECT * FROM moved|INSERT done",
            "MERGE INTO stock USING delivery ON stock.id = delivery.id|MERGE stock",
            "{call refresh_totals(?)}|CALL refresh_totals",
            "TRUNCATE TABLE scratch|TRUNCATE scratch",
            "BEGIN|BEGIN",
            "SET search_path TO app|SET",
            "CREATE TABLE IF NOT EXISTS t (id int)|CREATE",
            "   |UNKNOWN",
            "SELECT 1|SELECT",
    })
    void verbAndFirstTableWithoutLiterals(String sql, String fingerprint) {
        assertThat(SqlFingerprint.of(sql == null ? null : sql.replace("\\n", "\n"))).isEqualTo(fingerprint);
    }
}
