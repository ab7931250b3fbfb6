package dev.ao.engine.concurrency;

import java.util.List;

/**
 * A concurrency group as it stands: its limit, who holds its slots and who waits for one, oldest first.
 *
 * @param limit       the configured limit; for a group named only ad hoc, the largest limit its holders and waiters
 *                    asked for; null if nobody is there to say
 * @param limitOrigin where the limit comes from: a config file with its line, or {@code ad hoc}
 */
public record GroupStatus(String group, Integer limit, String limitOrigin, List<Occupant> holders, List<Occupant> waiting) {}
