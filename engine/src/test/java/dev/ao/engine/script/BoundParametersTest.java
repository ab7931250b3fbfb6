package dev.ao.engine.script;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class BoundParametersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anUndeclaredTrueOrFalseInAnOpenSchemaIsABareFlag() throws Exception {
        ObjectNode values = (ObjectNode) JSON.readTree("{\"verbose\": \"true\", \"quiet\": \"false\", \"name\": \"web\"}");
        ObjectNode open = (ObjectNode) JSON.readTree("{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": true}");
        assertThat(new BoundParameters(values, Set.of()).argv(open)).containsExactly("--verbose", "--name", "web");
    }

    @Test
    void aDeclaredStringThatSaysTrueStaysAValue() throws Exception {
        ObjectNode values = (ObjectNode) JSON.readTree("{\"mode\": \"true\", \"dry_run\": true}");
        ObjectNode schema = (ObjectNode) JSON.readTree("{\"type\": \"object\", \"properties\": {\"mode\": {\"type\": \"string\"}, \"dry_run\": {\"type\": \"boolean\"}}}");
        assertThat(new BoundParameters(values, Set.of()).argv(schema)).containsExactly("--mode", "true", "--dry-run");
    }
}
