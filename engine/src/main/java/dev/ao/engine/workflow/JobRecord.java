package dev.ao.engine.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ao.engine.run.RunState;

import java.util.List;

/**
 * One job of a workflow run as {@code jobs.json} records it: what the live view, {@code ao runs show}, the TUI and a
 * resume read.
 *
 * @param items     for a for_each job: how many items; null for a plain job
 * @param succeeded items (or 1 for a plain job) that succeeded; {@code failed} likewise
 * @param running   child runs going now
 * @param attempt   the latest attempt of a plain job (for_each: the highest of any item)
 * @param outputs   a plain job's outputs (an object), a for_each job's list of them (one per item)
 * @param runs      the job's child runs, every attempt, in start order
 * @param summary   one line: a plain job's child summary, a for_each job's counts
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRecord(String id, RunState state, String reason, Integer items, int succeeded, int failed, int running,
                        int attempt, JsonNode outputs, List<String> runs, String startedAt, String endedAt, String summary,
                        String uses) {
}
