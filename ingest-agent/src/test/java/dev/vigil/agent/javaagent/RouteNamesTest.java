package dev.vigil.agent.javaagent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class RouteNamesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/items/42|/items/{id}",
            "/items/42/|/items/{id}/",
            "/a/1/b/22/c|/a/{id}/b/{id}/c",
            "/users/3f2b8c1e-9d4a-4c3b-8e7f-0a1b2c3d4e5f/orders|/users/{id}/orders",
            "/blobs/0123456789abcdef0123|/blobs/{id}",
            "/blobs/cafe|/blobs/cafe",
            "/v2/items|/v2/items",
            "/|/",
            "/search?q=123|/search",
            "/items/12a|/items/12a",
    })
    void identifiersBecomeId(String path, String template) {
        assertThat(RouteNames.template(path)).isEqualTo(template);
    }

    @Test
    void aSegmentLongerThan64CharactersIsAnIdentifier() {
        assertThat(RouteNames.template("/t/" + "x".repeat(65))).isEqualTo("/t/{id}");
        assertThat(RouteNames.template("/t/" + "x".repeat(64))).isEqualTo("/t/" + "x".repeat(64));
    }

    @Test
    void aFrameworkPatternIsUsedAsItIs() {
        assertThat(new RouteNames(10).name("GET", "/items/42", "/items/{itemId}")).isEqualTo("GET /items/{itemId}");
    }

    @Test
    void unknownMethodsAreOther() {
        assertThat(new RouteNames(10).name("BREW", "/pot", null)).isEqualTo("OTHER /pot");
        assertThat(new RouteNames(10).name(null, null, null)).isEqualTo("OTHER /");
    }

    @Test
    void cardinalityIsBoundedWhateverThePaths() {
        RouteNames names = new RouteNames(3);
        assertThat(names.name("GET", "/a", null)).isEqualTo("GET /a");
        assertThat(names.name("GET", "/b", null)).isEqualTo("GET /b");
        assertThat(names.name("GET", "/c", null)).isEqualTo("GET /c");
        assertThat(names.name("GET", "/d", null)).isEqualTo("GET /{other}");
        assertThat(names.name("POST", "/e", null)).isEqualTo("POST /{other}");
        assertThat(names.name("GET", "/a", null)).as("a name seen before the limit keeps its name").isEqualTo("GET /a");
    }

    @Test
    void aNameIsHandedOutAsOneInstanceSoTheRingHoldsNoStringPerRequest() {
        RouteNames names = new RouteNames(10);
        String first = names.name("GET", "/items/42", null);
        assertThat(names.name("GET", "/items/43", null)).isEqualTo("GET /items/{id}").isSameAs(first);
    }
}
