package dev.ao.engine.concurrency;

import java.time.Instant;

/**
 * One holder or waiter of a group as {@link ConcurrencyGroups#list} sees it.
 *
 * @param since    when it took its slot (a holder) or its place in the queue (a waiter)
 * @param slot     the slot it holds; null for a waiter
 * @param position 1 for the first in line; null for a holder
 */
public record Occupant(String runId, String label, long pid, Instant since, Integer slot, Integer position) {}
