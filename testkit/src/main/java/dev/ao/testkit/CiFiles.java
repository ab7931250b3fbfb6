package dev.ao.testkit;

import javax.xml.XMLConstants;
import javax.xml.transform.Source;
import javax.xml.validation.SchemaFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Files CI systems read, read back the way those systems read them. */
public final class CiFiles {
    private CiFiles() {}

    /** {@code $GITHUB_OUTPUT} as the runner reads it, and the heredoc delimiters it used. */
    public record GithubOutput(Map<String, String> values, List<String> delimiters) {}

    /** The runner's reading of $GITHUB_OUTPUT: {@code key<<DELIM} lines up to a line equal to DELIM, or {@code key=value}. */
    public static GithubOutput githubOutput(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> delimiters = new ArrayList<>();
        Iterator<String> it = List.of(text.split("\n", -1)).iterator();
        while (it.hasNext()) {
            String l = it.next();
            if (l.isEmpty()) continue;
            int h = l.indexOf("<<");
            int eq = l.indexOf('=');
            if (h > 0 && (eq < 0 || h < eq)) {
                String delim = l.substring(h + 2);
                delimiters.add(delim);
                List<String> value = new ArrayList<>();
                while (true) {
                    String v = it.next();
                    if (v.equals(delim)) break;
                    value.add(v);
                }
                out.put(l.substring(0, h), String.join("\n", value));
            } else {
                out.put(l.substring(0, eq), l.substring(eq + 1));
            }
        }
        return new GithubOutput(out, delimiters);
    }

    /**
     * Validates a JUnit report against the schema Jenkins' xUnit plugin reads ({@code junit-10.xsd}, MIT, which
     * extends the widely used windyroad JUnit.xsd with {@code <skipped>}); throws on the first problem.
     */
    public static void validateJunit(Source xml) throws Exception {
        SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI).newSchema(CiFiles.class.getResource("junit-10.xsd"))
                .newValidator().validate(xml);
    }
}
