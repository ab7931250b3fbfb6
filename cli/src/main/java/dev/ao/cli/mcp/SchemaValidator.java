package dev.ao.cli.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import dev.ao.engine.AoException;
import dev.ao.engine.script.SchemaGuard;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The SDK's tool input and output checks, on the JSON Schema validator ao already ships (json-schema-validator 1.5,
 * through {@link SchemaGuard}: no remote or file {@code $ref} is ever fetched). The SDK's own default is built on
 * the validator's 2.x API, which cannot sit next to 1.5 on one class path.
 */
public final class SchemaValidator implements JsonSchemaValidator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<Map<String, Object>, JsonSchema> compiled = new ConcurrentHashMap<>();

    @Override
    public ValidationResponse validate(Map<String, Object> schema, Object content) {
        try {
            JsonSchema s = compiled.computeIfAbsent(schema, k -> SchemaGuard.validator(JSON.valueToTree(k), "tool schema"));
            JsonNode value = content instanceof String text ? JSON.readTree(text) : JSON.valueToTree(content);
            Set<ValidationMessage> errors = s.validate(value);
            if (errors.isEmpty()) return ValidationResponse.asValid(value.toString());
            return ValidationResponse.asInvalid(errors.stream().map(ValidationMessage::getMessage).sorted()
                    .collect(Collectors.joining("; ")));
        } catch (AoException e) {
            return ValidationResponse.asInvalid(e.getMessage());
        } catch (Exception e) {
            return ValidationResponse.asInvalid("not valid JSON: " + e.getMessage());
        }
    }
}
