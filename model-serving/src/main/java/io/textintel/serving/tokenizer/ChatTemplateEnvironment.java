package io.textintel.serving.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jinjava.javax.el.CompositeELResolver;

/**
 * The Jinja environment transformers renders chat templates in, built on Jinjava:
 * {@code lstrip_blocks}, and {@code trim_blocks} with the last newline dropped by preparing the
 * source ({@link JinjaSource}), Python operator
 * precedence (a filter binds tighter than {@code +}), iteration over a mapping's keys, the globals
 * {@code raise_exception(message)} and {@code strftime_now(format)}, transformers' {@code tojson},
 * Jinja's {@code items}, Python's {@code trim} and string methods ({@link PythonStringMethods}), and the
 * {@code {% generation %}} block (rendered as its content). Templates cannot include other files.
 */
final class ChatTemplateEnvironment {

    private ChatTemplateEnvironment() {}

    /** Global names a template may test with {@code is defined}, as it can in transformers. */
    static final List<String> FUNCTION_NAMES = List.of("raise_exception", "strftime_now");

    /** The exception {@code raise_exception} throws; Jinjava hands it back as the cause of a template error. */
    static final class TemplateRaised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaised(String message) {
            super(message);
        }
    }

    /** A new environment; {@code strftime_now} reads {@code clock}. */
    static Jinjava create(Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false) // done by JinjaSource, which keeps the line numbers right
                .withLstripBlocks(true)
                .withKeepTrailingNewline(true) // JinjaSource drops the source's last newline, as Jinja does
                .withElResolver(resolver)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .withAllowAdjacentTextNodes(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new IOException("chat templates cannot read other files, but this one asks for '" + name + "'");
        });
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplateEnvironment.class,
                "raiseException", String.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", ChatTemplateEnvironment.class,
                "strftimeNow", String.class));
        jinjava.registerFilter(new TojsonFilter());
        jinjava.registerFilter(new TrimFilter());
        jinjava.registerFilter(new ItemsFilter());
        jinjava.registerTag(new GenerationTag());
        return jinjava;
    }

    /** {@code raise_exception(message)}: stops rendering with the template's message. */
    public static String raiseException(String message) {
        throw new TemplateRaised(message);
    }

    /** {@code strftime_now(format)}: the environment's clock, formatted as Python's strftime. */
    public static String strftimeNow(String format) {
        JinjavaConfig config = JinjavaInterpreter.getCurrent().getConfig();
        Instant now = Instant.ofEpochMilli(config.getDateTimeProvider().getCurrentTimeMillis());
        return PythonStrftime.format(ZonedDateTime.ofInstant(now, config.getTimeZone()), format);
    }

    /** transformers' {@code tojson(x, indent=None, sort_keys=False)}: Python's json.dumps, non-ASCII kept. */
    static final class TojsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = args.length > 0 ? args[0] : kwargs.get("indent");
            boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            for (String key : kwargs.keySet()) {
                if (!key.equals("indent") && !key.equals("sort_keys") && !key.equals("ensure_ascii")) {
                    throw new IllegalArgumentException("tojson has no argument " + key
                            + ", expected indent, sort_keys or ensure_ascii");
                }
            }
            if (Boolean.TRUE.equals(kwargs.get("ensure_ascii"))) {
                throw new IllegalArgumentException("tojson(ensure_ascii=true) is not supported, expected false "
                        + "(transformers' default)");
            }
            return PythonJson.dumps(sortKeys ? sorted(var) : var,
                    indent == null ? null : Integer.valueOf(((Number) indent).intValue()));
        }

        private static Object sorted(Object value) {
            if (value instanceof Map<?, ?> map) {
                Map<String, Object> out = new TreeMap<>();
                map.forEach((k, v) -> out.put(String.valueOf(k), sorted(v)));
                return out;
            }
            if (value instanceof Iterable<?> items) {
                List<Object> out = new ArrayList<>();
                items.forEach(item -> out.add(sorted(item)));
                return out;
            }
            return value;
        }
    }

    /** Jinja's {@code items}: a mapping's key-value pairs, for {@code for key, value in x | items}. */
    static final class ItemsFilter implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return List.of();
            }
            if (!(var instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("items needs a mapping, but got a " + var.getClass().getName());
            }
            return new ArrayList<>(map.entrySet());
        }
    }

    /** Jinja's {@code trim(chars=None)}: Python's {@code str.strip}, whose whitespace is Unicode's. */
    static final class TrimFilter implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String chars = args.length > 0 ? args[0] : null;
            return var == null ? "" : PythonStringMethods.strip(var.toString(), chars, true, true);
        }
    }

    /** transformers' {@code {% generation %}} marks the assistant's tokens; rendering it writes its content. */
    static final class GenerationTag implements Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }
}
