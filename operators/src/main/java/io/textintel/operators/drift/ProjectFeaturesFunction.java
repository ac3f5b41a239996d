package io.textintel.operators.drift;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Projects each document's features onto the reference profile's directions, which the window
 * aggregate needs. Until the profile has been broadcast, documents wait in operator state (at most
 * {@code maxPending}; beyond that they are counted as unmonitored and dropped from drift
 * monitoring only — the documents themselves are indexed regardless). A document the profile cannot
 * project (an embedding of other dimensions than the reference's) is counted and logged the same way.
 */
public final class ProjectFeaturesFunction extends BroadcastProcessFunction<DriftFeatures, ReferenceProfile, ProjectedFeatures>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ProjectFeaturesFunction.class);

    /** The broadcast state holding the profile, under {@link #PROFILE_KEY}. */
    public static final MapStateDescriptor<String, ReferenceProfile> PROFILE_STATE =
            new MapStateDescriptor<>("drift-reference-profile", Types.STRING, DriftTypes.PROFILE);

    static final String PROFILE_KEY = "profile";

    private final int maxPending;

    private transient List<DriftFeatures> pending;
    private transient ListState<DriftFeatures> pendingState;
    private transient Counter unmonitored;

    public ProjectFeaturesFunction(int maxPending) {
        if (maxPending < 0) {
            throw new IllegalArgumentException("max pending documents is " + maxPending + ", expected >= 0");
        }
        this.maxPending = maxPending;
    }

    @Override
    public void open(OpenContext context) {
        unmonitored = getRuntimeContext().getMetricGroup().addGroup("drift").counter("unmonitoredDocuments");
    }

    @Override
    public void processElement(DriftFeatures features, ReadOnlyContext context, Collector<ProjectedFeatures> out)
            throws Exception {
        ReferenceProfile profile = context.getBroadcastState(PROFILE_STATE).get(PROFILE_KEY);
        if (profile != null) {
            project(profile, features, out);
        } else if (pending.size() < maxPending) {
            pending.add(features);
        } else {
            if (unmonitored.getCount() == 0) {
                LOG.warn("Drift monitoring: no reference profile yet and {} documents waiting; further documents"
                        + " are not monitored until it arrives", maxPending);
            }
            unmonitored.inc();
        }
    }

    @Override
    public void processBroadcastElement(ReferenceProfile profile, Context context, Collector<ProjectedFeatures> out)
            throws Exception {
        BroadcastState<String, ReferenceProfile> state = context.getBroadcastState(PROFILE_STATE);
        state.put(PROFILE_KEY, profile);
        for (DriftFeatures features : pending) {
            project(profile, features, out);
        }
        pending.clear();
    }

    /** A document the profile cannot take (an embedding of other dimensions) is left out of monitoring, not fatal. */
    private void project(ReferenceProfile profile, DriftFeatures features, Collector<ProjectedFeatures> out) {
        try {
            out.collect(profile.project(features));
        } catch (IllegalArgumentException e) {
            unmonitored.inc();
            if (unmonitored.getCount() == 1) {
                LOG.warn("Drift monitoring skips a document, and counts any further ones in the metric"
                        + " drift.unmonitoredDocuments: {}", e.getMessage());
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        pendingState.update(pending);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        pendingState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("drift-pending-documents", TypeInformation.of(DriftFeatures.class)));
        pending = new ArrayList<>();
        pendingState.get().forEach(pending::add);
    }
}
