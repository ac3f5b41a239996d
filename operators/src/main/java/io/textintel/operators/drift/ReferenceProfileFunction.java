package io.textintel.operators.drift;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the drift monitor's reference profile once and emits it: from the first documents, from
 * an event-time range (built when the watermark passes its end), or read from a stored file.
 *
 * <p>Runs on one key (all features are keyed alike) so that "the first N documents" means one thing.
 * The reference documents and the built profile live in keyed state: a restart restores the same
 * profile instead of building another from different documents. Documents arriving after the
 * profile was built cost one state read.
 */
public final class ReferenceProfileFunction extends KeyedProcessFunction<Integer, DriftFeatures, ReferenceProfile> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceProfileFunction.class);

    private final ReferenceSource source;
    private final DriftSettings settings;

    private transient ListState<DriftFeatures> reference;
    private transient ValueState<Integer> collected;
    private transient ValueState<ReferenceProfile> profile;
    private transient ValueState<String> failure;
    private transient ReferenceProfile stored;

    public ReferenceProfileFunction(ReferenceSource source, DriftSettings settings) {
        this.source = source;
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        reference = getRuntimeContext().getListState(
                new ListStateDescriptor<>("reference-documents", TypeInformation.of(DriftFeatures.class)));
        collected = getRuntimeContext().getState(new ValueStateDescriptor<>("reference-count", Integer.class));
        profile = getRuntimeContext().getState(new ValueStateDescriptor<>("reference-profile", DriftTypes.PROFILE));
        failure = getRuntimeContext().getState(new ValueStateDescriptor<>("reference-failure", String.class));
        if (source.profileFile() != null) {
            stored = ReferenceProfile.read(Path.of(source.profileFile()));
            LOG.info("Drift reference: stored profile {} from {} ({} documents)", stored.version(),
                    source.profileFile(), stored.documents());
        }
    }

    @Override
    public void processElement(DriftFeatures features, Context context, Collector<ReferenceProfile> out)
            throws Exception {
        if (profile.value() != null || failure.value() != null) {
            return;
        }
        if (stored != null) {
            publish(stored, out);
        } else if (source.isTimeRange()) {
            long time = features.eventTime;
            if (time >= source.from().toEpochMilli() && time < source.to().toEpochMilli()) {
                reference.add(features);
            }
            context.timerService().registerEventTimeTimer(source.to().toEpochMilli() - 1);
        } else {
            reference.add(features);
            int count = collected.value() == null ? 1 : collected.value() + 1;
            collected.update(count);
            if (count == settings.referenceDocuments()) {
                build(out);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<ReferenceProfile> out) throws Exception {
        if (profile.value() == null && failure.value() == null) {
            build(out);
        }
    }

    private void build(Collector<ReferenceProfile> out) throws Exception {
        List<DriftFeatures> documents = new ArrayList<>();
        reference.get().forEach(documents::add);
        reference.clear();
        collected.clear();
        ReferenceProfile built;
        try {
            built = ReferenceProfile.build(documents, settings);
        } catch (IllegalArgumentException e) {
            // Not worth failing the pipeline over: documents keep flowing, only drift goes unmonitored.
            failure.update(e.getMessage());
            LOG.error("Drift monitoring is off: no reference profile could be built from the {} ({} documents): {}",
                    source, documents.size(), e.getMessage());
            return;
        }
        LOG.info("Drift reference: built profile {} from the {} ({} documents)", built.version(), source,
                documents.size());
        publish(built, out);
    }

    private void publish(ReferenceProfile built, Collector<ReferenceProfile> out) throws Exception {
        profile.update(built);
        out.collect(built);
    }
}
