package dev.ao.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessesTest {

    @TempDir
    Path tmp;

    @Test
    void capturesExitOutputAndEnvironment() {
        Map<String, String> env = Processes.baseEnv();
        env.put("GREETING", "hello");
        Processes.Result r = Processes.run(List.of("sh", "-c", "echo $GREETING; pwd; echo oops >&2; exit 3"),
                env, tmp, Duration.ofSeconds(10));
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.ok()).isFalse();
        assertThat(r.stdout()).isEqualTo("hello\n" + tmp.toAbsolutePath() + "\n");
        assertThat(r.stderr()).isEqualTo("oops\n");
    }

    @Test
    void killsTheProcessTreeOnTimeout() {
        Processes.Result r = Processes.run(List.of("sh", "-c", "sleep 30 & echo $!; wait"), Processes.baseEnv(),
                tmp, Duration.ofMillis(500));
        assertThat(r.timedOut()).isTrue();
        assertThat(r.exit()).isEqualTo(-1);
        long child = Long.parseLong(r.stdout().trim());
        assertThat(ProcessHandle.of(child).map(Processes::running).orElse(false)).isFalse();
        assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void feedsStdin() {
        Processes.Result r = Processes.run(List.of("cat"), null, null, Duration.ofSeconds(10), "piped\n");
        assertThat(r.stdout()).isEqualTo("piped\n");
    }

    @Test
    void baseEnvironmentHasNoProxies() {
        assertThat(Processes.baseEnv()).containsKey("PATH").doesNotContainKeys("http_proxy", "HTTPS_PROXY");
        assertThat(Processes.inheritedEnvWithoutProxies()).doesNotContainKeys("http_proxy", "https_proxy",
                "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY");
    }

    @Test
    void freePortIsFreeOnLoopback() {
        int port = FreePort.find();
        assertThat(port).isBetween(1024, 65535);
        assertThat(FreePort.accepting(port)).isFalse();
    }
}
