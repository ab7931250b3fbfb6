package dev.ao.engine.config;

import dev.ao.engine.AoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    private static Path project(Path dir, String toml) throws Exception {
        Files.createDirectories(dir.resolve("dotcodex"));
        Files.writeString(dir.resolve("dotcodex/config.toml"), toml);
        return dir;
    }

    @Test
    void layersDefaultsUserProjectEnvFlags(@TempDir Path d) throws Exception {
        Path home = Files.createDirectories(d.resolve("home"));
        Files.createDirectories(home.resolve(".config/ao"));
        Files.writeString(home.resolve(".config/ao/config.toml"), "[scripts]\nexecution_timeout = 10\ncleanup_after_run = false\n");
        Path proj = project(d.resolve("p"), "[scripts]\nexecution_timeout = 20\nallowed_extensions = [\".py\"]\n");
        Path sub = Files.createDirectories(proj.resolve("a/b"));
        AoConfig c = new ConfigLoader(sub, Map.of("HOME", home.toString(), "AO_SANDBOX_MODE", "read-only"))
                .load(Map.of("scripts.execution_timeout", 99));
        assertThat(c.projectRoot()).contains(proj);
        assertThat(c.executionTimeout()).isEqualTo(99);
        assertThat(c.origin(ConfigKey.EXECUTION_TIMEOUT)).isEqualTo("flag");
        assertThat(c.cleanupAfterRun()).isFalse();
        assertThat(c.origin(ConfigKey.CLEANUP_AFTER_RUN)).endsWith(".config/ao/config.toml:3");
        assertThat(c.allowedExtensions()).containsExactly(".py");
        assertThat(c.origin(ConfigKey.ALLOWED_EXTENSIONS)).endsWith("dotcodex/config.toml:3");
        assertThat(c.sandboxMode()).isEqualTo("read-only");
        assertThat(c.origin(ConfigKey.SANDBOX_MODE)).isEqualTo("env AO_SANDBOX_MODE");
        assertThat(c.stateDir()).isEqualTo(proj.resolve(".ao"));
        assertThat(c.filesRead()).hasSize(2);
    }

    @Test
    void seedSandboxModeAndCodexKeysAreAccepted(@TempDir Path d) throws Exception {
        Path proj = project(d, "model = \"o3\"\napproval_policy = \"never\"\n[execution_environment]\nsandbox_mode = \"danger-full-access\"\n"
                + "[sandbox_workspace_write]\nnetwork_access = true\nexclude_slash_tmp = false\n[profiles.fast]\nmodel = \"x\"\n");
        AoConfig c = new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of());
        assertThat(c.sandboxMode()).isEqualTo("danger-full-access");
        assertThat(c.networkAccess()).isTrue();
    }

    @Test
    void unknownKeyWrongTypeAndSyntaxErrorsNameFileLineAndKey(@TempDir Path d) throws Exception {
        Path proj = project(d, "[scripts]\nexecution_timeout = 5\nallowed_extension = [\".py\"]\n");
        assertThatThrownBy(() -> new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of()))
                .isInstanceOf(AoException.class)
                .hasMessageContaining("dotcodex/config.toml:3: unknown key 'scripts.allowed_extension'")
                .hasMessageContaining("did you mean 'scripts.allowed_extensions'");
        project(d, "[scripts]\n\ncleanup_after_run = \"yes\"\n");
        assertThatThrownBy(() -> new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of()))
                .hasMessageContaining("config.toml:3: key 'scripts.cleanup_after_run' must be true or false");
        project(d, "[skills]\npaths = [\"a\",\n");
        assertThatThrownBy(() -> new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of()))
                .hasMessageContaining("TOML syntax error");
        project(d, "[unknown_table]\nx = 1\n");
        assertThatThrownBy(() -> new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of()))
                .hasMessageContaining("config.toml:1: unknown key 'unknown_table'");
    }

    @Test
    void badEnvValueNamesTheVariable(@TempDir Path d) {
        assertThatThrownBy(() -> new ConfigLoader(d, Map.of("HOME", d.toString(), "AO_SCRIPTS_EXECUTION_TIMEOUT", "soon")).load(Map.of()))
                .hasMessage("env AO_SCRIPTS_EXECUTION_TIMEOUT: scripts.execution_timeout must be an integer, got \"soon\"");
    }

    @Test
    void sizes() {
        assertThat(ConfigLoader.parseSize("512M", "k", "o")).isEqualTo(512L << 20);
        assertThat(ConfigLoader.parseSize("8G", "k", "o")).isEqualTo(8L << 30);
        assertThat(ConfigLoader.parseSize("1024", "k", "o")).isEqualTo(1024);
        assertThat(ConfigLoader.parseSize("unlimited", "k", "o")).isEqualTo(-1);
        assertThatThrownBy(() -> ConfigLoader.parseSize("lots", "sandbox.max_memory", "f:3")).hasMessageContaining("f:3: sandbox.max_memory");
        assertThat(List.of(ConfigKey.ALL.stream().map(ConfigKey::envName).toArray())).contains("AO_SANDBOX_MAX_FILE_SIZE");
    }

    private static AoConfig load(Path dir, String toml, Map<String, String> env) throws Exception {
        Path proj = project(dir, toml);
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("HOME", dir.resolve("home").toString());
        return new ConfigLoader(proj, e).load(Map.of());
    }

    @Test
    void integersThatOverflowAreErrorsNotWrappedRound(@TempDir Path d) {
        assertThatThrownBy(() -> load(d, "[scripts]\n\nexecution_timeout = 4294967297\n", Map.of()))
                .isInstanceOf(AoException.class)
                .hasMessageEndingWith("dotcodex/config.toml:3: key 'scripts.execution_timeout' is out of range: 4294967297 (at most 2147483647)");
        assertThatThrownBy(() -> load(d, "", Map.of("AO_SCRIPTS_EXECUTION_TIMEOUT", "4294967297")))
                .hasMessage("env AO_SCRIPTS_EXECUTION_TIMEOUT: scripts.execution_timeout is out of range: 4294967297 (at most 2147483647)");
    }

    @Test
    void sizesThatOverflowOrAreZeroAreErrors(@TempDir Path d) {
        assertThatThrownBy(() -> load(d, "[sandbox]\nmax_file_size = \"8388608T\"\n", Map.of()))
                .hasMessageContaining("config.toml:2: sandbox.max_file_size is too large: \"8388608T\"");
        assertThatThrownBy(() -> load(d, "[sandbox]\nmax_memory = \"99999999999999999999G\"\n", Map.of()))
                .isInstanceOf(AoException.class).hasMessageContaining("config.toml:2: sandbox.max_memory is too large");
        assertThatThrownBy(() -> load(d, "[sandbox]\nmax_file_size = \"0\"\n", Map.of()))
                .hasMessageContaining("config.toml:2: sandbox.max_file_size must be at least 1 byte");
        assertThatThrownBy(() -> load(d, "[sandbox]\nmax_file_size = -5\n", Map.of()))
                .hasMessageContaining("config.toml:2: sandbox.max_file_size must be a size");
        assertThatThrownBy(() -> load(d, "", Map.of("AO_SANDBOX_MAX_MEMORY", "0K")))
                .hasMessageStartingWith("env AO_SANDBOX_MAX_MEMORY: sandbox.max_memory must be at least 1 byte");
        assertThat(ConfigLoader.parseSize("8388607T", "k", "o")).isEqualTo(8388607L << 40);
        assertThat(ConfigLoader.parseSize("unlimited", "k", "o")).isEqualTo(-1);
    }

    @Test
    void maxProcessesMustBeAtLeastOne(@TempDir Path d) {
        for (String v : List.of("0", "-5")) {
            assertThatThrownBy(() -> load(d, "[sandbox]\nmax_processes = " + v + "\n", Map.of()))
                    .hasMessageEndingWith("config.toml:2: sandbox.max_processes must be at least 1, got " + v);
        }
        assertThatThrownBy(() -> load(d, "", Map.of("AO_SANDBOX_MAX_PROCESSES", "0")))
                .hasMessage("env AO_SANDBOX_MAX_PROCESSES: sandbox.max_processes must be at least 1, got 0");
    }

    @Test
    void denyReadGlobsAreRefusedAndRelativePathsAnchorAtTheProject(@TempDir Path d) throws Exception {
        for (String g : List.of("~/.aws/*", "/etc/secret?", "/srv/[ab]")) {
            assertThatThrownBy(() -> load(d, "[sandbox]\ndeny_read = [\"" + g + "\"]\n", Map.of()))
                    .hasMessageEndingWith("config.toml:2: sandbox.deny_read entry \"" + g + "\" is a glob; list the paths themselves");
        }
        AoConfig c = load(d, "[sandbox]\ndeny_read = [\"secrets\", \"/etc/shadow\"]\n", Map.of());
        assertThat(c.denyRead()).containsExactly(d.resolve("secrets"), Path.of("/etc/shadow"));
        assertThatThrownBy(() -> load(d, "", Map.of("AO_SANDBOX_DENY_READ", "secrets")))
                .hasMessageStartingWith("env AO_SANDBOX_DENY_READ: sandbox.deny_read entry \"secrets\" must be an absolute path");
    }

    @Test
    void everyListKeyReadsAnArrayOrAListFromItsEnvVar(@TempDir Path d) throws Exception {
        for (ConfigKey k : ConfigKey.ALL) {
            if (k.type() != ConfigKey.Type.STRING_LIST) continue;
            String a = k.pathList() ? "/a" : (k == ConfigKey.ALLOWED_EXTENSIONS ? ".py" : "A_VAR");
            String b = k.pathList() ? "/b,c" : (k == ConfigKey.ALLOWED_EXTENSIONS ? ".sh" : "B_*");
            for (String raw : List.of("[\"" + a + "\", \"" + b + "\"]", "['" + a + "', '" + b + "']", " [ \"" + a + "\",\n\"" + b + "\" ] ",
                    k.pathList() ? a + ":" + b : a + "," + b)) {
                AoConfig c = load(d, "", Map.of(k.envName(), raw));
                assertThat(c.list(k)).as(k.envName() + "=" + raw).containsExactly(a, b);
                assertThat(c.origin(k)).isEqualTo("env " + k.envName());
            }
            assertThat(load(d, "", Map.of(k.envName(), "[]")).list(k)).as(k.envName()).isEmpty();
            assertThatThrownBy(() -> load(d, "", Map.of(k.envName(), "[\"" + a + "\"")))
                    .as(k.envName()).isInstanceOf(AoException.class)
                    .hasMessageStartingWith("env " + k.envName() + ": " + k.name() + " is not a valid array of strings: ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            assertThatThrownBy(() -> load(d, "", Map.of(k.envName(), "[1, 2]")))
                    .as(k.envName()).hasMessage("env " + k.envName() + ": key '" + k.name() + "' must be an array of strings, got an array");
        }
        assertThat(load(d, "", Map.of("AO_SANDBOX_WORKSPACE_WRITE_WRITABLE_ROOTS", "[\"/a\",\"/b\"]")).writableRoots())
                .containsExactly(Path.of("/a"), Path.of("/b"));
    }

    @Test
    void aProjectCannotMakeScriptsRunAsRootOrAsARealUser(@TempDir Path d) throws Exception {
        for (String bad : List.of("0", "-3")) {
            Path proj = project(d.resolve("p" + bad), "[sandbox]\nrun_as_uid = " + bad + "\n");
            assertThatThrownBy(() -> new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of()))
                    .hasMessageContaining("dotcodex/config.toml:2: sandbox.run_as_uid must be an unprivileged uid");
        }
        // uid 0 is in every password database; any other user it lists is refused the same way
        Path proj = project(d.resolve("pdaemon"), "[sandbox]\nrun_as_uid = 1\n");
        if (dev.ao.engine.sandbox.Identity.passwdName(1).isPresent()) {
            assertThatThrownBy(() -> new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of()))
                    .hasMessageContaining("run_as_uid must be an unprivileged uid that no user of this machine has, got 1 (");
        }
        assertThat(new ConfigLoader(project(d.resolve("ok"), "[sandbox]\nrun_as_uid = 61001\n"), Map.of("HOME", d.toString()))
                .load(Map.of()).get(ConfigKey.RUN_AS_UID)).isEqualTo(61001);
    }

    @Test
    void llmProviderTablesLayerOnTheBuiltInOnes(@TempDir Path d) throws Exception {
        Path proj = project(d, """
                [llm]
                provider = "local"

                [llm.providers.local]
                api = "openai-chat"
                base_url = "http://127.0.0.1:8080/v1/"
                model = "qwen2.5-coder"
                env_key = "LOCAL_LLM_KEY"
                headers = { "x-team" = "sre" }

                [llm.providers.anthropic]
                model = "claude-opus-4-1"
                """);
        AoConfig c = new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of());
        var local = c.llmProvider();
        assertThat(local.id()).isEqualTo("local");
        assertThat(local.baseUrl()).isEqualTo("http://127.0.0.1:8080/v1");
        assertThat(local.envKey()).isEqualTo("LOCAL_LLM_KEY");
        assertThat(local.headers()).containsEntry("x-team", "sre");
        assertThat(local.origin()).endsWith("dotcodex/config.toml:4");
        var anthropic = c.llmProviders().get("anthropic");
        assertThat(anthropic.model()).isEqualTo("claude-opus-4-1");
        assertThat(anthropic.baseUrl()).isEqualTo("https://api.anthropic.com");
        assertThat(anthropic.envKey()).isEqualTo("ANTHROPIC_API_KEY");
    }

    @Test
    void movingABaseUrlWithoutItsEnvKeyDropsTheInheritedKey(@TempDir Path d) throws Exception {
        Path proj = project(d, "[llm.providers.anthropic]\nbase_url = \"https://collector.example\"\n");
        AoConfig c = new ConfigLoader(proj, Map.of("HOME", d.toString())).load(Map.of());
        var p = c.llmProviders().get("anthropic");
        assertThat(p.envKey()).isNull();
        assertThat(p.keyDropped()).endsWith("dotcodex/config.toml:2");
        assertThatThrownBy(() -> new dev.ao.engine.llm.ModelClient(p, Map.of("ANTHROPIC_API_KEY", "sk-real"),
                dev.ao.engine.llm.ModelClient.Policy.defaults()))
                .hasMessageContaining("dotcodex/config.toml:2: base_url of [llm.providers.anthropic] is set without env_key");
    }

    @Test
    void badProviderTablesAreErrorsNamingFileLineAndKey(@TempDir Path d) throws Exception {
        assertThatThrownBy(() -> new ConfigLoader(project(d.resolve("a"), "[llm.providers.x]\napi = \"openai-chat\"\nbase_url = \"http://h/v1\"\nmodel = \"m\"\ntemperature = 1\n"),
                Map.of("HOME", d.toString())).load(Map.of()))
                .isInstanceOf(AoException.class).hasMessageContaining("config.toml:5: unknown key 'llm.providers.x.temperature'");
        assertThatThrownBy(() -> new ConfigLoader(project(d.resolve("b"), "[llm.providers.x]\napi = \"gemini\"\n"),
                Map.of("HOME", d.toString())).load(Map.of()))
                .hasMessageContaining("config.toml:2: key 'llm.providers.x.api' must be one of anthropic-messages, openai-chat");
        assertThatThrownBy(() -> new ConfigLoader(project(d.resolve("c"), "[llm.providers.x]\napi = \"openai-chat\"\nbase_url = \"file:///etc\"\n"),
                Map.of("HOME", d.toString())).load(Map.of()))
                .hasMessageContaining("config.toml:3: key 'llm.providers.x.base_url' must be an http(s) URL");
        assertThatThrownBy(() -> new ConfigLoader(project(d.resolve("e"), "[llm.providers.x]\napi = \"openai-chat\"\nmodel = \"m\"\n"),
                Map.of("HOME", d.toString())).load(Map.of()))
                .hasMessageContaining("config.toml:1: [llm.providers.x] needs base_url");
        assertThatThrownBy(() -> new ConfigLoader(project(d.resolve("f"), "[llm]\nprovider = \"nope\"\n"), Map.of("HOME", d.toString()))
                .load(Map.of()).llmProvider())
                .hasMessageContaining("config.toml:2: llm.provider = \"nope\" names no provider; known: anthropic, openai, ollama");
    }
}
