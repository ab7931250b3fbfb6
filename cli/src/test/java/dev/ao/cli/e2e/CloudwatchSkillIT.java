package dev.ao.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.ao.testkit.Ao;
import dev.ao.testkit.MotoServer;
import dev.ao.testkit.Processes;
import dev.ao.testkit.TestProject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * logs/cloudwatch-search, run by name through the real jar against the real aws CLI and moto: log groups seeded
 * with {@code aws logs put-log-events}, one of them with more ERROR events than fit in one page of
 * {@code filter-log-events}, so the counts are right only if the script follows nextToken to the end.
 */
class CloudwatchSkillIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Events per put-log-events call (AWS allows 10,000 and 1 MiB). */
    private static final int BATCH = 2_000;
    /** Events filter-log-events returns per page when no limit is given. */
    private static final int PAGE = 10_000;

    private static String apiMessage(int i) {
        if (i % 8 == 7) return "INFO req=" + Integer.toHexString(0x10000000 + i) + " GET /orders 200 in " + (i % 97) + "ms";
        if (i % 3 == 0) return "ERROR [http-nio-8080-exec-" + (i % 20) + "] c.a.orders.OrderService - order " + (20000 + i) + " not found";
        return "ERROR [http-nio-8080-exec-" + (i % 20) + "] c.a.payments.PaymentClient - java.net.SocketTimeoutException: Read timed out after "
                + (1000 + i % 500) + "ms";
    }

    private static String webMessage(int i) {
        return i % 5 == 0 ? "ERROR c.a.web.ErrorHandler - unhandled java.lang.NullPointerException at step " + i
                : "INFO c.a.web.Page - rendered /home in " + (i % 50) + "ms";
    }

    /** Creates the group and one stream, and puts {@code count} events in time order, {@link #BATCH} per call. */
    private static void seed(TestProject project, Map<String, String> env, String group, int count, long firstMillis,
                             long stepMillis, IntFunction<String> message) throws Exception {
        Processes.run(List.of("aws", "logs", "create-log-group", "--log-group-name", group), env, project.root(), Duration.ofSeconds(60)).orThrow();
        Processes.run(List.of("aws", "logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "main"),
                env, project.root(), Duration.ofSeconds(60)).orThrow();
        for (int from = 0; from < count; from += BATCH) {
            ArrayNode events = JSON.createArrayNode();
            for (int i = from; i < Math.min(count, from + BATCH); i++) {
                events.addObject().put("timestamp", firstMillis + i * stepMillis).put("message", message.apply(i));
            }
            Path file = project.root().resolve("events-" + group.replace('/', '_') + "-" + from + ".json");
            JSON.writeValue(file.toFile(), events);
            Processes.run(List.of("aws", "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "main",
                    "--log-events", "file://" + file), env, project.root(), Duration.ofSeconds(120)).orThrow();
        }
    }

    private static long count(int n, IntFunction<String> message, String term) {
        long c = 0;
        for (int i = 0; i < n; i++) if (message.apply(i).contains(term)) c++;
        return c;
    }

    private static String n(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    @Test
    void prefixSearchCountsEveryMatchOfEveryGroupAcrossPages() throws Exception {
        int apiEvents = 12_000;
        int webEvents = 300;
        long apiErrors = count(apiEvents, CloudwatchSkillIT::apiMessage, "ERROR");
        long webErrors = count(webEvents, CloudwatchSkillIT::webMessage, "ERROR");
        long timeouts = count(apiEvents, CloudwatchSkillIT::apiMessage, "SocketTimeoutException");
        assertThat(apiErrors).as("one group must need more than one page").isGreaterThan(PAGE);

        try (TestProject project = TestProject.create("cloudwatch"); MotoServer moto = MotoServer.start()) {
            // the repository's skills, by name, as BundledSkillsIT does
            project.config("[skills]\npaths = [\"" + Ao.repo().resolve("skills") + "\"]\n");
            Map<String, String> env = new HashMap<>(Processes.baseEnv());
            env.putAll(moto.env());
            env.put("HOME", project.home().toString());
            // inside the skill's default window (the last hour), in time order
            long first = System.currentTimeMillis() - Duration.ofMinutes(40).toMillis();
            seed(project, env, "/app/api", apiEvents, first, 100, CloudwatchSkillIT::apiMessage);
            seed(project, env, "/app/web", webEvents, first, 1_000, CloudwatchSkillIT::webMessage);
            seed(project, env, "/batch/nightly", 25, first, 1_000, i -> "ERROR outside the prefix " + i);

            Ao ao = project.ao();
            moto.env().forEach(ao::env);
            Ao.Result r = ao.run(300, "run", "logs/cloudwatch-search", "-p", "prefix=/app", "-p", "filter_pattern=ERROR", "-o", "json");
            assertThat(r.exit()).as(r.toString()).isZero();
            JsonNode run = JSON.readTree(r.stdout());
            String summary = run.path("summary").asText();
            JsonNode outputs = run.path("outputs");

            assertThat(summary).as(summary)
                    .contains(n(apiErrors + webErrors) + " events matched in 2 of 2 log groups.")
                    .contains("| `/app/api` | " + n(apiErrors) + " |")
                    .contains("| `/app/web` | " + n(webErrors) + " |")
                    .contains("| " + n(timeouts) + " | `java.net.SocketTimeoutException` |")
                    .doesNotContain("/batch/nightly")
                    .doesNotContain("stopped at max_events");
            assertThat(outputs.path("matches").asLong()).isEqualTo(apiErrors + webErrors);
            assertThat(outputs.path("groups_searched").asInt()).isEqualTo(2);
            assertThat(outputs.path("groups_failed").asInt()).isZero();
            assertThat(outputs.path("pages").asInt()).as("/app/api needs a second page").isGreaterThanOrEqualTo(3);

            // the script imported ao_skill from the library ao extracted into the project's state dir
            try (Stream<Path> libs = Files.list(project.root().resolve(".ao/lib"))) {
                assertThat(libs.map(p -> p.getFileName().toString()).toList()).singleElement().matches(h -> h.matches("[0-9a-f]{12}"));
            }
        }
    }
}
