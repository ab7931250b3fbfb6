package dev.ao.engine.config;

import dev.ao.engine.AoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code [concurrency.groups.NAME] limit = N}: layered like every table, and bad tables are errors naming file:line:key. */
class ConcurrencyConfigTest {

    private static AoConfig load(Path d, String user, String project) throws Exception {
        Path home = Files.createDirectories(d.resolve("home"));
        if (user != null) {
            Files.createDirectories(home.resolve(".config/ao"));
            Files.writeString(home.resolve(".config/ao/config.toml"), user);
        }
        Path proj = Files.createDirectories(d.resolve("p/dotcodex")).getParent();
        Files.writeString(proj.resolve("dotcodex/config.toml"), project);
        return new ConfigLoader(proj, Map.of("HOME", home.toString())).load(Map.of());
    }

    @Test
    void groupsFromTheUserAndTheProjectLayerAndTheProjectWins(@TempDir Path d) throws Exception {
        AoConfig c = load(d, "[concurrency.groups.deploy-prod]\nlimit = 3\n[concurrency.groups.mine]\nlimit = 2\n",
                "[scripts]\nexecution_timeout = 5\n\n[concurrency.groups.deploy-prod]\nlimit = 1\n[concurrency.groups.\"heal.shop\"]\nlimit = 4\n");
        assertThat(c.concurrencyGroups()).containsOnlyKeys("deploy-prod", "mine", "heal.shop");
        assertThat(c.concurrencyLimit("deploy-prod", 1)).isEqualTo(1);
        assertThat(c.concurrencyGroups().get("deploy-prod").origin()).endsWith("p/dotcodex/config.toml:5");
        assertThat(c.concurrencyLimit("mine", 1)).isEqualTo(2);
        assertThat(c.concurrencyGroups().get("mine").origin()).endsWith(".config/ao/config.toml:4");
        assertThat(c.concurrencyLimit("heal.shop", 1)).isEqualTo(4);
        assertThat(c.concurrencyLimit("unknown", 1)).isEqualTo(1);
    }

    @Test
    void noTableNoGroups(@TempDir Path d) throws Exception {
        assertThat(load(d, null, "").concurrencyGroups()).isEmpty();
    }

    @Test
    void badTablesAreOneLineErrorsNamingFileLineAndKey(@TempDir Path d) {
        assertError(d.resolve("a"), "[concurrency.groups.g]\nlimit = 1\nmax = 2\n",
                "dotcodex/config.toml:3: unknown key 'concurrency.groups.g.max' (a concurrency group table holds limit)");
        assertError(d.resolve("b"), "[concurrency.groups.g]\nlimit = \"one\"\n",
                "dotcodex/config.toml:2: key 'concurrency.groups.g.limit' must be an integer, got the string \"one\"");
        assertError(d.resolve("c"), "[concurrency.groups.g]\nlimit = 0\n",
                "dotcodex/config.toml:2: key 'concurrency.groups.g.limit' must be from 1 to 1000, got 0");
        assertError(d.resolve("e"), "[concurrency.groups.g]\nlimit = 4294967297\n",
                "dotcodex/config.toml:2: key 'concurrency.groups.g.limit' must be from 1 to 1000, got 4294967297");
        assertError(d.resolve("f"), "[concurrency.groups.g]\n", "dotcodex/config.toml:1: [concurrency.groups.g] needs limit = N");
        assertError(d.resolve("g"), "[concurrency.groups.\"../../etc\"]\nlimit = 1\n",
                "concurrency group name '../../etc' must be 1-100 letters, digits");
        assertError(d.resolve("h"), "[concurrency]\nlimit = 1\n", "dotcodex/config.toml:2: unknown key 'concurrency.limit'");
        assertError(d.resolve("i"), "[concurrency]\ngroups = 3\n", "key 'concurrency.groups' must be a table of [concurrency.groups.<name>] tables");
        assertError(d.resolve("j"), "[concurrency.groups]\ng = 2\n", "key 'concurrency.groups.g' must be a table with limit = N");
    }

    private static void assertError(Path d, String toml, String message) {
        assertThatThrownBy(() -> load(d, null, toml))
                .isInstanceOf(AoException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
