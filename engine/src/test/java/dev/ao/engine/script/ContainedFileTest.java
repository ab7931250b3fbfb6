package dev.ao.engine.script;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContainedFileTest {

    @Test
    void linksOutOfTheFolderAndDanglingLinksAreRefusedLinksWithinAreNot(@TempDir Path d) throws Exception {
        Path secret = Files.writeString(Files.createDirectories(d.resolve("secret")).resolve("id_rsa"), "key");
        Path skill = Files.createDirectories(d.resolve("skill"));
        Files.writeString(skill.resolve("real.sh"), "echo hi");
        Files.createSymbolicLink(skill.resolve("alias.sh"), Path.of("real.sh"));
        Files.createSymbolicLink(skill.resolve("key.sh"), secret);
        Files.createSymbolicLink(skill.resolve("up.sh"), Path.of("../secret/id_rsa"));
        Files.createSymbolicLink(skill.resolve("gone.sh"), Path.of("/nonexistent/x"));
        Files.createSymbolicLink(skill.resolve("sub"), d.resolve("secret"));

        assertThat(ContainedFile.problem(skill.resolve("real.sh"), skill)).isEmpty();
        assertThat(ContainedFile.problem(skill.resolve("alias.sh"), skill)).isEmpty();
        assertThat(ContainedFile.problem(skill.resolve("key.sh"), skill)).get().asString()
                .contains("key.sh is a symbolic link to " + secret).contains("outside");
        assertThat(ContainedFile.problem(skill.resolve("up.sh"), skill)).isPresent();
        assertThat(ContainedFile.problem(skill.resolve("gone.sh"), skill)).get().asString().contains("does not exist");
        // a folder on the way that is a link counts too
        assertThat(ContainedFile.problem(skill.resolve("sub/id_rsa"), skill)).get().asString().contains("resolves to " + secret);
        assertThatThrownBy(() -> ContainedFile.require(skill.resolve("key.sh"), skill))
                .isInstanceOfSatisfying(AoException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED));

        assertThat(ContainedFile.linksOut(skill)).hasSize(4).noneMatch(p -> p.contains("alias.sh"));
    }

    @Test
    void aSpecWhoseScriptFileLinksOutIsRefused(@TempDir Path d) throws Exception {
        Path secret = Files.writeString(d.resolve("id_rsa"), "key");
        Path skill = Files.createDirectories(d.resolve("skill"));
        Files.writeString(skill.resolve("script.json"), "{\"script_file\": \"run.sh\"}");
        Files.createSymbolicLink(skill.resolve("run.sh"), secret);
        assertThatThrownBy(() -> ScriptSpecReader.read(skill.resolve("script.json")))
                .isInstanceOfSatisfying(AoException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED))
                .hasMessageContaining("run.sh is a symbolic link to " + secret);
    }
}
