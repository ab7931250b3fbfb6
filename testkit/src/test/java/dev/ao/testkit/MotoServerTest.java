package dev.ao.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real {@code aws} CLI against the real moto server. */
class MotoServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static MotoServer moto;

    @TempDir
    Path home;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
    }

    @AfterAll
    static void stop() {
        long pid = moto.pid();
        moto.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    private JsonNode aws(String... args) throws Exception {
        Map<String, String> env = Processes.baseEnv();
        env.put("HOME", home.toString());
        env.putAll(moto.env());
        List<String> cmd = new ArrayList<>(List.of("aws"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--output", "json"));
        Processes.Result r = Processes.run(cmd, env, home, Duration.ofSeconds(60));
        assertThat(r.exit()).as("%s", r).isZero();
        return JSON.readTree(r.stdout().isBlank() ? "{}" : r.stdout());
    }

    @Test
    void runsAndDescribesInstancesWithTheRealCli() throws Exception {
        moto.reset();
        JsonNode images = aws("ec2", "describe-images", "--owners", "amazon");
        String ami = images.path("Images").path(0).path("ImageId").asText();
        assertThat(ami).startsWith("ami-");

        JsonNode run = aws("ec2", "run-instances", "--image-id", ami, "--count", "2", "--instance-type", "t3.micro",
                "--tag-specifications", "ResourceType=instance,Tags=[{Key=team,Value=ao}]");
        assertThat(run.path("Instances")).hasSize(2);

        JsonNode described = aws("ec2", "describe-instances", "--filters", "Name=tag:team,Values=ao");
        List<String> ids = new ArrayList<>();
        described.path("Reservations").forEach(res -> res.path("Instances")
                .forEach(i -> ids.add(i.path("InstanceId").asText())));
        assertThat(ids).hasSize(2).allMatch(id -> id.startsWith("i-"));

        moto.reset();
        assertThat(aws("ec2", "describe-instances").path("Reservations")).isEmpty();
    }

    @Test
    void environmentKeepsTheCliOffTheNetworkAndUserConfig() {
        Map<String, String> env = moto.env();
        assertThat(env).containsEntry("AWS_ENDPOINT_URL", moto.url()).containsEntry("AWS_MAX_ATTEMPTS", "1")
                .containsEntry("AWS_PAGER", "").containsEntry("AWS_EC2_METADATA_DISABLED", "true");
        assertThat(Path.of(env.get("AWS_CONFIG_FILE"))).doesNotExist();
        assertThat(moto.url()).startsWith("http://127.0.0.1:");
        // The server runs under the real interpreter, not a pyenv shim that would fork.
        String command = ProcessHandle.of(moto.pid()).orElseThrow().info().command().orElse("");
        assertThat(command).doesNotContain("/shims/");
    }
}
