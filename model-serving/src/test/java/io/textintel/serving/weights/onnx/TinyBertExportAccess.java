package io.textintel.serving.weights.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;

/** {@link TinyBertExport} for tests of other packages: the serialized model, optionally with an extra node. */
public final class TinyBertExportAccess {

    private final TinyBertExport export;

    public TinyBertExportAccess(long seed, int layers) {
        this.export = new TinyBertExport(seed, layers);
    }

    /** A DistilBERT-named export ({@code transformer.layer.N.attention.q_lin}, no token types). */
    public static TinyBertExportAccess distilbert(long seed, int layers) {
        return new TinyBertExportAccess(new TinyBertExport(seed, layers, TinyBertExport.Family.DISTILBERT));
    }

    /** A RoBERTa export: position ids made from the input ids, offset by the padding id 1. */
    public static TinyBertExportAccess roberta(long seed, int layers) {
        return new TinyBertExportAccess(new TinyBertExport(seed, layers, TinyBertExport.Family.ROBERTA));
    }

    private TinyBertExportAccess(TinyBertExport export) {
        this.export = export;
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
