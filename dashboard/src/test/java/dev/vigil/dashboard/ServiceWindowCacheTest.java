package dev.vigil.dashboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceWindowCacheTest {

    @Test
    void readsPostgresBigintArrayText() {
        assertThat(ServiceWindowCache.parseBigintArray(null)).isEmpty();
        assertThat(ServiceWindowCache.parseBigintArray("{}")).isEmpty();
        assertThat(ServiceWindowCache.parseBigintArray("{7}")).containsExactly(7);
        assertThat(ServiceWindowCache.parseBigintArray("{1,-2," + Long.MAX_VALUE + "}")).containsExactly(1, -2, Long.MAX_VALUE);
    }

    @Test
    void refusesWhatIsNotAFlatArrayOfNumbers() {
        assertThatThrownBy(() -> ServiceWindowCache.parseBigintArray("{1,NULL}")).hasMessageContaining("without NULLs");
        assertThatThrownBy(() -> ServiceWindowCache.parseBigintArray("{{1},{2}}")).hasMessageContaining("bigint[]");
        assertThatThrownBy(() -> ServiceWindowCache.parseBigintArray("1,2")).hasMessageContaining("one-dimensional");
    }
}
