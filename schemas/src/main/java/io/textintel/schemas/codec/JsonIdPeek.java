package io.textintel.schemas.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * A best-effort reader of the top-level {@code "id"} of a JSON payload that is not valid JSON, so
 * that its dead letter can still name the record: the tokens are read in order until the id or the
 * first syntax error.
 */
final class JsonIdPeek {

    private JsonIdPeek() {}

    /** The top-level id (a non-blank string or an integer) read before the payload breaks, else null. */
    static String topLevelId(JsonFactory factory, String json) {
        try (JsonParser parser = factory.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("id".equals(name)) {
                    if (value == JsonToken.VALUE_NUMBER_INT
                            || (value == JsonToken.VALUE_STRING && !parser.getText().isBlank())) {
                        return parser.getText();
                    }
                    return null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // the syntax error came first: there is no id to read
        }
    }
}
