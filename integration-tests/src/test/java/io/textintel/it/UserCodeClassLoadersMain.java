package io.textintel.it;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.util.FlinkUserCodeClassLoaders;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A TaskManager's class loading in small, for {@link NativeLibraryClassLoadersITCase}: the JVM's class path
 * stands for Flink's lib/, and each of three jobs gets its own user-code class loader over the job jar, made
 * by {@link FlinkUserCodeClassLoaders#create} from a Flink configuration as a TaskManager makes it, with the
 * thread context class loader set to it as in a task thread. Each loader tokenizes one sentence with DJL's
 * tokenizer and prints one line: {@code loader N ok djl-from=parent|user-code} or
 * {@code loader N failed CLASS: MESSAGE}. Runs in its own JVM, since a native library once loaded stays
 * bound to its class loader for the JVM's lifetime.
 *
 * <p>Arguments: job jar, tokenizer.json, value of {@code classloader.parent-first-patterns.additional}
 * (empty for none).
 */
final class UserCodeClassLoadersMain {

    private UserCodeClassLoadersMain() {}

    public static void main(String[] args) throws Exception {
        URL[] jobJar = {Path.of(args[0]).toUri().toURL()};
        Path tokenizer = Path.of(args[1]);
        Configuration conf = new Configuration();
        if (!args[2].isEmpty()) {
            conf.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, List.of(args[2].split(";")));
        }
        ClassLoader lib = UserCodeClassLoadersMain.class.getClassLoader();
        for (int i = 0; i < 3; i++) {
            try (URLClassLoader userCode = FlinkUserCodeClassLoaders.create(jobJar, lib, conf)) {
                Thread.currentThread().setContextClassLoader(userCode);
                Class<?> type = userCode.loadClass("ai.djl.huggingface.tokenizers.HuggingFaceTokenizer");
                try (AutoCloseable t = (AutoCloseable) type.getMethod("newInstance", Path.class).invoke(null, tokenizer)) {
                    Object encoding = type.getMethod("encode", String.class).invoke(t, "hello world");
                    long[] ids = (long[]) encoding.getClass().getMethod("getIds").invoke(encoding);
                    System.out.println("loader " + i + " ok djl-from=" + (type.getClassLoader() == lib ? "parent" : "user-code")
                            + " ids=" + Arrays.toString(Arrays.copyOf(ids, 4)));
                }
            } catch (Throwable e) {
                Throwable cause = e;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                System.out.println("loader " + i + " failed " + cause.getClass().getName() + ": " + cause.getMessage());
            } finally {
                Thread.currentThread().setContextClassLoader(lib);
            }
        }
    }
}
