package dev.vigil.alerting;

import dev.vigil.aggregation.MetricWindowSerializer;
import dev.vigil.aggregation.NonReusingSerializer;
import dev.vigil.aggregation.SerializerTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;

/**
 * Explicit serializer for {@link RuleInput} on its way to {@link AlertEvaluator}: the rule's name, then
 * the row as {@link MetricWindowSerializer} writes it. Only for the network: the state that earlier
 * versions kept of it is still read with the serializer they wrote it with.
 */
public final class RuleInputSerializer extends NonReusingSerializer<RuleInput> {
    private static final long serialVersionUID = 1L;

    public static final RuleInputSerializer INSTANCE = new RuleInputSerializer();
    public static final TypeInformation<RuleInput> TYPE_INFO = new SerializerTypeInfo<>(RuleInput.class, INSTANCE);

    @Override
    public RuleInput createInstance() {
        return new RuleInput("", MetricWindowSerializer.INSTANCE.createInstance());
    }

    @Override
    public RuleInput copy(RuleInput from) {
        return new RuleInput(from.rule(), MetricWindowSerializer.INSTANCE.copy(from.window()));
    }

    @Override
    public void serialize(RuleInput input, DataOutputView out) throws IOException {
        StringValue.writeString(input.rule(), out);
        MetricWindowSerializer.INSTANCE.serialize(input.window(), out);
    }

    @Override
    public RuleInput deserialize(DataInputView in) throws IOException {
        return new RuleInput(StringValue.readString(in), MetricWindowSerializer.INSTANCE.deserialize(in));
    }

    @Override
    public TypeSerializerSnapshot<RuleInput> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer from a savepoint. Public with a no-arg constructor, as Flink requires. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<RuleInput> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
