package io.textintel.serving.weights.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;

/** {@link TinyBertExport} for tests of other packages: the serialized model, optionally with an extra node. */
public final class TinyBertExportAccess {

    private final TinyBertExport export;

    public TinyBertExportAccess(long seed, int layers) {
        this.export = new TinyBertExport(seed, layers);
    }

    public TinyBertExportAccess withNode(NodeProto node) {
        export.graph.addNode(node);
        return this;
    }

    /** The {@code .onnx} file's bytes. */
    public byte[] bytes() {
        return export.model().toByteArray();
    }
}
