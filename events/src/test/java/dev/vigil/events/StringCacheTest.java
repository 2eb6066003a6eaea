package dev.vigil.events;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StringCacheTest {

    @Test
    void theSameTextGivesTheSameInstanceWhereverItSits() {
        StringCache cache = new StringCache(16);
        char[] a = "xxGET /api/users/{id}".toCharArray();
        char[] b = "GET /api/users/{id}yy".toCharArray();
        String first = cache.get(a, 2, a.length - 2);
        assertThat(first).isEqualTo("GET /api/users/{id}");
        assertThat(cache.get(b, 0, b.length - 2)).isSameAs(first);
    }

    @Test
    void manyDistinctTextsInFewSlotsStayCorrect() {
        StringCache cache = new StringCache(2);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100; i++) {
                char[] text = ("name-" + i).toCharArray();
                assertThat(cache.get(text, 0, text.length)).isEqualTo("name-" + i);
            }
        }
    }

    @Test
    void textsWithEqualHashesAreToldApart() {
        StringCache cache = new StringCache(1);
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        assertThat(cache.get("Aa".toCharArray(), 0, 2)).isEqualTo("Aa");
        assertThat(cache.get("BB".toCharArray(), 0, 2)).isEqualTo("BB");
    }

    @Test
    void longTextsAreCopiedNotCached() {
        StringCache cache = new StringCache(16);
        char[] text = "x".repeat(500).toCharArray();
        String s = cache.get(text, 0, text.length);
        assertThat(s).hasSize(500);
        assertThat(cache.get(text, 0, text.length)).isEqualTo(s).isNotSameAs(s);
    }

    @Test
    void emptyTextWorks() {
        assertThat(new StringCache(4).get(new char[0], 0, 0)).isEmpty();
    }
}
