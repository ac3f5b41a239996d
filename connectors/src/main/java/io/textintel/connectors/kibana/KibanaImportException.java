package io.textintel.connectors.kibana;

import java.io.IOException;
import java.util.List;

/** Kibana refused a saved-objects import, as a whole or for some of its objects. */
public final class KibanaImportException extends IOException {

    private static final long serialVersionUID = 1L;

    private final List<String> failures;

    KibanaImportException(String message, List<String> failures) {
        super(message);
        this.failures = List.copyOf(failures);
    }

    /** Each object Kibana did not import: type, id, title and error; empty when the whole request failed. */
    public List<String> failures() {
        return failures;
    }
}
