package dev.vigil.aggregation;

/** A (type, service) pair: the key of the {@code name = '*'} rollup. */
public record ServiceKey(String type, String service) {
    public static ServiceKey of(SeriesKey series) {
        return new ServiceKey(series.type(), series.service());
    }
}
