package io.textintel.serving.config;

import java.util.Locale;

/** Which backend an engine runs its model on. */
public enum BackendChoice {
    /** The best backend this machine offers: CUDA where the driver loads and a device is present, else CPU. */
    AUTO("auto"),
    /** The CUDA backend; an engine fails to open where no CUDA device or driver is. */
    CUDA("cuda"),
    /** The fast multithreaded CPU backend. */
    CPU("cpu"),
    /** The scalar reference backend: slow, for checking the others. */
    CPU_REFERENCE("cpu-reference");

    private final String id;

    BackendChoice(String id) {
        this.id = id;
    }

    /** The name used in configuration files and on the command line. */
    public String id() {
        return id;
    }

    /**
     * Parses a backend name such as {@code auto} or {@code cpu-reference}.
     *
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    public static BackendChoice parse(String name) {
        for (BackendChoice choice : values()) {
            if (choice.id.equals(name == null ? null : name.trim().toLowerCase(Locale.ROOT))) {
                return choice;
            }
        }
        throw new IllegalArgumentException("unknown backend " + name + ", expected one of auto, cuda, cpu, cpu-reference");
    }
}
