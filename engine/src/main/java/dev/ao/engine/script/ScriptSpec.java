package dev.ao.engine.script;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A runnable unit: {@code script.json} plus one script file, or a bare script file run by path.
 *
 * @param skill   the skill id ({@code logs/error-summary}) when run by skill name, else null
 * @param specFile the {@code script.json}, or null for a bare script
 * @param sandbox  the script's own {@code sandbox_mode}, or null
 * @param outputsSchema JSON Schema over the script's {@code key=value} outputs, or null: checked when the run ends
 * @param idempotent    running it twice does no harm: a workflow's resume may run it again after a crash
 */
public record ScriptSpec(String name, String description, Path scriptFile, Path specFile, JsonNode parametersSchema,
                         Demands demands, Integer timeout, String risk, String sandbox, String skill, SourceRef source,
                         JsonNode outputsSchema, boolean idempotent) {

    public ScriptSpec(String name, String description, Path scriptFile, Path specFile, JsonNode parametersSchema,
                      Demands demands, Integer timeout, String risk, String sandbox, String skill, SourceRef source) {
        this(name, description, scriptFile, specFile, parametersSchema, demands, timeout, risk, sandbox, skill, source, null, false);
    }

    public boolean approvalRequired() {
        return "approval_required".equals(risk);
    }

    public String extension() {
        String f = scriptFile.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot < 0 ? "" : f.substring(dot);
    }

    /** Names of parameters marked {@code "secret": true}. */
    public List<String> secretParameters() {
        List<String> out = new ArrayList<>();
        JsonNode props = parametersSchema == null ? null : parametersSchema.get("properties");
        if (props != null && props.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = props.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().path("secret").asBoolean(false)) out.add(e.getKey());
            }
        }
        return out;
    }

    public ScriptSpec withSkill(String skillId, SourceRef src) {
        return new ScriptSpec(name, description, scriptFile, specFile, parametersSchema, demands, timeout, risk, sandbox, skillId, src,
                outputsSchema, idempotent);
    }

    /** What a run is called in listings: the skill id, else the script's file name. */
    public String label() {
        return skill != null ? skill : scriptFile.getFileName().toString();
    }
}
