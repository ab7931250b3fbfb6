package dev.ao.engine.skill;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each key of a JSON or YAML text is, by JSON pointer ({@code /parameters_schema/properties/top}), so lint
 * findings can name a line. A text that does not parse gives what was found up to the error.
 */
final class KeyLines {
    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonFactory YAML = new YAMLFactory();
    private final Map<String, Integer> lines;

    private KeyLines(Map<String, Integer> lines) {
        this.lines = lines;
    }

    static KeyLines json(String text) {
        return new KeyLines(scan(JSON, text));
    }

    static KeyLines yaml(String text) {
        return new KeyLines(scan(YAML, text));
    }

    /** The line of the pointer, else of its nearest ancestor that has one, else {@code fallback}. */
    int line(String pointer, int fallback) {
        String p = pointer;
        while (true) {
            Integer l = lines.get(p);
            if (l != null) return l;
            int slash = p.lastIndexOf('/');
            if (slash <= 0) return fallback;
            p = p.substring(0, slash);
        }
    }

    private static Map<String, Integer> scan(JsonFactory f, String text) {
        Map<String, Integer> out = new HashMap<>();
        // each open container: its pointer, and for arrays the next index
        Deque<String> path = new ArrayDeque<>();
        Deque<int[]> index = new ArrayDeque<>();
        String field = null;
        try (JsonParser p = f.createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                int line = p.currentTokenLocation().getLineNr();
                if (t == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                    out.putIfAbsent((path.isEmpty() ? "" : path.peek()) + "/" + escape(field), line);
                    continue;
                }
                if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    path.pop();
                    index.pop();
                    continue;
                }
                String here = null;
                if (!path.isEmpty()) {
                    int[] i = index.peek();
                    if (i[0] >= 0) {
                        here = path.peek() + "/" + i[0]++;
                        out.putIfAbsent(here, line);
                    } else {
                        here = path.peek() + "/" + escape(field == null ? "" : field);
                    }
                }
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    path.push(here == null ? "" : here);
                    index.push(new int[] {t == JsonToken.START_ARRAY ? 0 : -1});
                }
            }
        } catch (IOException e) {
            // keep what was found before the error
        }
        return out;
    }

    private static String escape(String s) {
        return s.replace("~", "~0").replace("/", "~1");
    }
}
