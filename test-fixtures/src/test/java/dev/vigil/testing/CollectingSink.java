package dev.vigil.testing;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Keeps what a local run ({@link LocalRunner}, a MiniCluster) emits, in this JVM and under a name, to be
 * read after the run: for tests and for benchmarks that compare runs. Useless on a real cluster.
 */
public final class CollectingSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, ConcurrentLinkedQueue<Object>> RECEIVED = new ConcurrentHashMap<>();
    private final String name;

    public CollectingSink(String name) {
        this.name = name;
        RECEIVED.put(name, new ConcurrentLinkedQueue<>());
    }

    @SuppressWarnings("unchecked")
    public List<T> received() {
        return new ArrayList<>((ConcurrentLinkedQueue<T>) (ConcurrentLinkedQueue<?>) RECEIVED.get(name));
    }

    /** What the sink received, which it then forgets (so a benchmark can free it once it has checked it). */
    @SuppressWarnings("unchecked")
    public List<T> take() {
        ConcurrentLinkedQueue<Object> received = RECEIVED.remove(name);
        return received == null ? new ArrayList<>() : new ArrayList<>((ConcurrentLinkedQueue<T>) (ConcurrentLinkedQueue<?>) received);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        ConcurrentLinkedQueue<Object> target = RECEIVED.get(name);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) {
                target.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {
            }

            @Override
            public void close() {
            }
        };
    }
}
