package dev.vigil.jobs;

import org.apache.flink.api.connector.sink2.Sink;

import java.util.Objects;

/**
 * Where one of the pipeline's outputs goes: a sink with the stable operator id its state is kept under
 * (savepoints map state to operators by this id) and the name shown in Flink's web UI.
 */
public record OutputPort<T>(String uid, String name, Sink<T> sink) {
    public OutputPort {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sink, "sink");
    }
}
