package dev.ao.engine.ci;

import dev.ao.engine.run.RunRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a run tells GitLab CI, as text: collapsible log sections and the dotenv file that
 * {@code artifacts:reports:dotenv} turns into variables of later jobs. Pure functions.
 */
public final class GitlabReport {
    private static final String ESC = "\u001b[0K";
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private GitlabReport() {}

    /**
     * Lines in a collapsed section: {@code \e[0Ksection_start:<ts>:<name>[collapsed=true]\r\e[0K<header>} ...
     * {@code \e[0Ksection_end:<ts>:<name>\r\e[0K}. The name keeps only the characters GitLab allows.
     */
    public static List<String> section(String name, String header, List<String> lines, long startSeconds, long endSeconds) {
        String n = name.replaceAll("[^A-Za-z0-9_.-]", "_");
        List<String> out = new ArrayList<>();
        out.add(ESC + "section_start:" + startSeconds + ":" + n + "[collapsed=true]\r" + ESC + CiText.line(header));
        out.addAll(lines);
        out.add(ESC + "section_end:" + endSeconds + ":" + n + "\r" + ESC);
        return out;
    }

    /** The dotenv text, and the keys left out (a name GitLab refuses, or a multi-line value dotenv cannot carry). */
    public record Dotenv(String text, List<String> refused) {}

    /**
     * {@code KEY=value} lines: {@code AO_RUN_ID}, {@code AO_STATE}, {@code AO_EXIT_CODE}, then the script's
     * outputs. GitLab's dotenv has no quoting or escapes, so a value with a line break is refused, never cut.
     */
    public static Dotenv dotenv(RunRecord r) {
        Map<String, String> v = new LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        if (r.outputs() != null) {
            r.outputs().forEach((k, val) -> {
                if (!KEY.matcher(k).matches() || k.startsWith("AO_")) refused.add(k);
                else v.put(k, val == null ? "" : val);
            });
        }
        v.put("AO_RUN_ID", r.id());
        v.put("AO_STATE", r.state().id());
        v.put("AO_EXIT_CODE", r.exitCode() == null ? "" : r.exitCode().toString());
        StringBuilder b = new StringBuilder();
        v.forEach((k, val) -> {
            if (val.indexOf('\n') >= 0 || val.indexOf('\r') >= 0 || val.indexOf('\0') >= 0) {
                refused.add(k);
                return;
            }
            b.append(k).append('=').append(CiText.line(val)).append('\n');
        });
        return new Dotenv(b.toString(), List.copyOf(refused));
    }
}
