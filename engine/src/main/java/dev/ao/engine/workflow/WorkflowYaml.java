package dev.ao.engine.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.engine.AoException;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * YAML 1.2 text to a Jackson tree and the line of every key. snakeyaml-engine's JSON schema resolves plain scalars:
 * {@code no}, {@code yes}, {@code on}, {@code 010}, {@code ~} stay strings; {@code 5} is an int, {@code true} a boolean.
 * A syntax error is thrown at once (nothing after it can be trusted); duplicate keys, unsupported tags and aliases that
 * would blow up are added to the problems and the rest of the tree is still read.
 */
final class WorkflowYaml {
    /** Aliases to lists and maps per file: enough to share a block, far too few for a "billion laughs". */
    static final int MAX_COLLECTION_ALIASES = 10;
    /** Values in the tree once aliases are expanded; a 1 MiB file without aliases holds far fewer. */
    static final int MAX_VALUES = 200_000;
    static final int MAX_DEPTH = 64;

    /** The tree and the 1-based line of each key (of each item, for lists) by JSON pointer; "" is the document. */
    record Tree(JsonNode root, Map<String, Integer> lines) {}

    private final Path file;
    private final Map<String, Integer> lines = new LinkedHashMap<>();
    private final Set<Node> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private WorkflowProblems problems;
    private int values;
    private boolean tooMany;

    private WorkflowYaml(Path file) {
        this.file = file;
    }

    /**
     * Reads {@code text}; problems found while converting are added to the {@link WorkflowProblems} this returns with
     * the tree (it knows the lines).
     *
     * @throws AoException a syntax error, more than one document, or too many aliases: one line, {@code FILE:LINE:COL}
     */
    static Read read(Path file, String text) {
        return new WorkflowYaml(file).run(text);
    }

    /** What {@link #read} gives: the tree (null for an empty file) and the problems found so far. */
    record Read(Tree tree, WorkflowProblems problems) {}

    private Read run(String text) {
        LoadSettings settings = LoadSettings.builder().setLabel(file.toString())
                .setMaxAliasesForCollections(MAX_COLLECTION_ALIASES).setAllowRecursiveKeys(false)
                .setAllowDuplicateKeys(true)    // found below, with the line of each
                .setUseMarks(true).build();
        Node doc;
        try {
            Iterator<Node> docs = new Compose(settings).composeAllFromString(text).iterator();
            doc = docs.hasNext() ? docs.next() : null;
            if (docs.hasNext()) {
                Node second = docs.next();
                throw AoException.usage(file + ":" + line(second) + ": a workflow.yml holds one YAML document; remove the second '---'");
            }
        } catch (MarkedYamlEngineException e) {
            throw AoException.usage(syntax(e));
        } catch (YamlEngineException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            if (m.contains("aliases")) {
                throw AoException.usage(file + ": more than " + MAX_COLLECTION_ALIASES
                        + " aliases (*name) to lists or maps; write the values out");
            }
            throw AoException.usage(file + ": not valid YAML: " + m.lines().findFirst().orElse("").strip());
        } catch (StackOverflowError e) {
            throw AoException.usage(file + ": not valid YAML: nested too deeply");
        }
        problems = new WorkflowProblems(file, lines);
        if (doc == null) return new Read(null, problems);
        lines.put("", 1);
        JsonNode root = convert(doc, "", 0);
        return new Read(new Tree(root, Collections.unmodifiableMap(lines)), problems);
    }

    private String syntax(MarkedYamlEngineException e) {
        Mark m = e.getProblemMark().or(e::getContextMark).orElse(null);
        String where = m == null ? file.toString() : file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
        String problem = e.getProblem() == null ? "" : e.getProblem().strip();
        String context = e.getContext() == null ? "" : " (" + e.getContext().strip() + ")";
        return (where + ": not valid YAML: " + problem + context).replaceAll("\\s*\\R\\s*", " ");   // one line, always
    }

    private JsonNode convert(Node node, String pointer, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (++values > MAX_VALUES) {
            if (!tooMany) problems.at(pointer, "the file expands to more than " + MAX_VALUES + " values (aliases?); write it smaller");
            tooMany = true;
            return f.nullNode();
        }
        if (depth > MAX_DEPTH) {
            problems.at(pointer, "nested more than " + MAX_DEPTH + " levels deep");
            return f.nullNode();
        }
        if (!open.add(node)) {
            problems.at(pointer, "an alias (*name) refers to a value that contains it; write the value out");
            return f.nullNode();
        }
        try {
            if (node instanceof MappingNode map) return mapping(map, pointer, depth);
            if (node instanceof SequenceNode seq) {
                ArrayNode a = f.arrayNode();
                int i = 0;
                for (Node item : seq.getValue()) {
                    String p = pointer + "/" + i++;
                    lines.putIfAbsent(p, line(item));
                    a.add(convert(item, p, depth + 1));
                }
                return a;
            }
            return scalar((ScalarNode) node, pointer);
        } finally {
            open.remove(node);
        }
    }

    private ObjectNode mapping(MappingNode map, String pointer, int depth) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        Map<String, Integer> first = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            Node k = t.getKeyNode();
            int line = line(k);
            if (!(k instanceof ScalarNode sk)) {
                problems.atLine(line, (pointer.isEmpty() ? "" : WorkflowProblems.key(pointer) + ": ")
                        + "a key must be plain text, not a list or map");
                continue;
            }
            String name = sk.getValue();
            String p = pointer + "/" + WorkflowProblems.escape(name);
            Integer seen = first.putIfAbsent(name, line);
            if (seen != null) {
                problems.atLine(line, (pointer.isEmpty() ? "" : WorkflowProblems.key(pointer) + ": ")
                        + "duplicate key '" + name + "' (first at line " + seen + "); keep one");
                continue;
            }
            lines.putIfAbsent(p, line);
            o.set(name, convert(t.getValueNode(), p, depth + 1));
        }
        return o;
    }

    private JsonNode scalar(ScalarNode s, String pointer) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Tag tag = s.getTag();
        String v = s.getValue();
        try {
            if (tag.equals(Tag.STR)) return f.textNode(v);
            if (tag.equals(Tag.NULL)) return f.nullNode();
            if (tag.equals(Tag.BOOL)) {
                if (v.equals("true") || v.equals("false")) return f.booleanNode(v.equals("true"));
                throw new NumberFormatException();
            }
            if (tag.equals(Tag.INT)) {
                BigInteger b = new BigInteger(v);
                if (b.bitLength() < 32) return f.numberNode(b.intValue());
                if (b.bitLength() < 64) return f.numberNode(b.longValue());
                return f.numberNode(b);
            }
            if (tag.equals(Tag.FLOAT)) {
                // .inf and .nan are no JSON numbers: keep the text, as an editor would show it
                return v.matches("[-+]?\\.(inf|Inf|INF|nan|NaN|NAN)") ? f.textNode(v) : f.numberNode(new java.math.BigDecimal(v).doubleValue());
            }
        } catch (NumberFormatException e) {
            problems.at(pointer, "'" + v + "' is not a valid " + tag.getValue().replace("tag:yaml.org,2002:", "!!"));
            return f.textNode(v);
        }
        problems.at(pointer, "tag " + tag.getValue() + " is not supported; remove it");
        return f.textNode(v);
    }

    private static int line(Node n) {
        return n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }
}
