package dev.ao.engine.concurrency;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import dev.ao.engine.config.ConfigValue;
import dev.ao.engine.workflow.Workflow;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Concurrency groups, enforced across every ao process on the machine with kernel file locks under
 * {@code <state>/concurrency/<group>/}, which the kernel lets go of when a holder dies (even by kill -9):
 * <ul>
 *   <li>{@code slot-<i>.lock}: held locked by the run in slot i; {@code slot-<i>.json} beside it says who (stale when
 *       the lock is free); {@code slot-<i>.cancel} asks that holder to cancel (on_conflict: cancel-in-progress);</li>
 *   <li>{@code ticket-<n>.lock}: a waiter's place in line, held locked by it and holding who it is; a ticket whose lock
 *       is free belongs to a waiter that died and is skipped; only the oldest live tickets may take a free slot (FIFO);</li>
 *   <li>{@code group.lock}: held for the few file operations that look at and change the above, so that they are
 *       one step for every process; it also holds the last ticket number.</li>
 * </ul>
 * The one place per machine that decides who runs in a group; every front end and the workflow scheduler use it.
 */
public final class ConcurrencyGroups {
    /** Group names come from templates, hence from anyone's input: a folder name, never a path. */
    public static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$");
    /** The largest limit a group may have (each slot is a file). */
    public static final int MAX_LIMIT = 1000;
    /** How often a waiter looks again for a slot let go by another process (this JVM's releases wake it at once). */
    static final long POLL_MS = 50;
    /** The folder under the state dir. */
    public static final String DIR = "concurrency";

    private static final Pattern SLOT_LOCK = Pattern.compile("slot-(\\d{1,4})\\.lock");
    private static final Pattern TICKET = Pattern.compile("ticket-(\\d{19})\\.lock");
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    /** What a run that must wait is told, once, before it waits. */
    public interface Listener {
        /**
         * @param holders  who holds the group's slots now
         * @param position the run's place in line, 1 for the first
         */
        void blocked(String group, List<Holder> holders, int position);

        Listener NONE = (group, holders, position) -> {};
    }

    /** Who holds a slot or waits, as written beside the slot or into the ticket. */
    record Entry(String runId, String label, long pid, String since, String token, int limit) {
        Holder holder() {
            return new Holder(runId, label, pid);
        }

        static Entry read(byte[] json) {
            if (json.length == 0) return null;
            try {
                return JSON.readValue(json, Entry.class);
            } catch (IOException e) {
                return null;
            }
        }

        byte[] bytes() {
            try {
                return JSON.writeValueAsBytes(this);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final Path root;

    public ConcurrencyGroups(Path stateDir) {
        this.root = stateDir.resolve(DIR);
    }

    /** Returns {@code group} if it may name a group; else a one-line usage error naming it. */
    public static String validate(String group) {
        if (group == null || !NAME.matcher(group).matches()) {
            String shown = group == null ? "null" : group.length() > 120 ? group.substring(0, 120) + "…" : group;
            throw AoException.usage("concurrency group '" + dev.ao.engine.SafeText.line(shown) + "' is not a group name: use 1-100 "
                    + "letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return group;
    }

    private static void validateLimit(String group, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw AoException.usage("concurrency group '" + group + "': limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
        }
    }

    /**
     * Takes a slot of {@code group}, waiting for one as {@code onConflict} says: {@code queue} waits in line (first come,
     * first served); {@code cancel-in-progress} asks the runs holding the slots to cancel (see {@link Slot#onCancelRequest})
     * and then waits in line; {@code fail} refuses at once with {@link ExitCode#REFUSED} naming who holds the group.
     * While it waits, {@code canceled} is asked every few milliseconds; when it says true the run leaves the line and this
     * throws an {@link AoException} with {@link ExitCode#CANCELED}.
     *
     * @param limit runs of the group at once (the config's {@code [concurrency.groups.NAME] limit}, or the workflow's)
     * @param me    the run that asks; {@code pid} must be this process
     */
    public Slot acquire(String group, int limit, Workflow.OnConflict onConflict, Holder me, Listener listener,
                        BooleanSupplier canceled) throws InterruptedException {
        validate(group);
        validateLimit(group, limit);
        GroupFiles g = files(group, true);
        String token = UUID.randomUUID().toString();
        Look first = look(g, () -> firstLook(g, group, limit, onConflict, me, token));
        if (first.slot() != null) return first.slot();
        if (first.ticket() == null) {
            throw AoException.refused("concurrency group '" + group + "' is full (limit " + limit + "): "
                    + describe(first.holders(), first.position() - 1) + "; on_conflict is fail");
        }
        boolean taken = false;
        try {
            listener.blocked(group, first.holders(), first.position());
            while (true) {
                if (canceled.getAsBoolean()) {
                    throw new AoException(ExitCode.CANCELED, "canceled while waiting for concurrency group '" + group + "'");
                }
                g.await(POLL_MS);
                Look next = look(g, () -> nextLook(g, group, limit, onConflict, me, token, first.ticket()));
                if (next.slot() != null) {
                    taken = true;
                    return next.slot();
                }
            }
        } finally {
            if (!taken) leave(g, first.ticket());
        }
    }

    /** What one look at the group found: a slot taken, or a place in line (ticket null: refused). */
    private record Look(Slot slot, String ticket, List<Holder> holders, int position) {}

    private Look firstLook(GroupFiles g, String group, int limit, Workflow.OnConflict onConflict, Holder me, String token)
            throws IOException {
        Names names = names(g);
        List<String> line = liveTickets(g, names.tickets(), true);
        List<Integer> free = freeSlots(g, limit);
        if (line.size() < free.size()) return new Look(take(g, group, free.get(0), me, token, limit, null), null, List.of(), 0);
        List<Holder> holders = holders(g, names.slots()).stream().map(Entry::holder).toList();
        if (onConflict == Workflow.OnConflict.FAIL) return new Look(null, null, holders, line.size() + 1);
        if (onConflict == Workflow.OnConflict.CANCEL_IN_PROGRESS) requestCancel(g, names.slots(), me);
        long next = nextTicket(g, names.tickets());
        String ticket = String.format("ticket-%019d.lock", next);
        Entry mine = new Entry(me.runId(), me.label(), me.pid(), Instant.now().toString(), token, limit);
        if (!g.hold(ticket, true, mine.bytes())) throw new IOException(g.dir.resolve(ticket) + " exists already");
        writeLastTicket(g, next);
        return new Look(null, ticket, holders, line.size() + 1);
    }

    private Look nextLook(GroupFiles g, String group, int limit, Workflow.OnConflict onConflict, Holder me, String token,
                          String ticket) throws IOException {
        if (!g.ours(ticket)) throw new IOException(g.dir.resolve(ticket) + ": this waiter lost its place in line");
        Names names = names(g);
        List<String> line = liveTickets(g, names.tickets(), true);
        int position = line.indexOf(ticket);
        if (onConflict == Workflow.OnConflict.CANCEL_IN_PROGRESS) requestCancel(g, names.slots(), me);
        List<Integer> free = freeSlots(g, limit);
        if (position < free.size()) {
            return new Look(take(g, group, free.get(0), me, token, limit, ticket), null, List.of(), 0);
        }
        return new Look(null, ticket, List.of(), position + 1);
    }

    private Slot take(GroupFiles g, String group, int index, Holder me, String token, int limit, String ticket) throws IOException {
        String lock = slotLock(index);
        if (!g.hold(lock, false, null)) throw new IOException(g.dir.resolve(lock) + " was taken while the group was locked");
        Instant since = Instant.now();
        try {
            // a request left for an earlier holder is not for this one
            Files.deleteIfExists(g.dir.resolve(slotCancel(index)));
            writeAtomically(g.dir.resolve(slotInfo(index)),
                    new Entry(me.runId(), me.label(), me.pid(), since.toString(), token, limit).bytes());
        } catch (IOException | RuntimeException e) {
            g.drop(lock, false);
            throw e;
        }
        if (ticket != null) g.drop(ticket, true);
        return new Slot(this, g, group, index, me, since, token);
    }

    /** Leaves the line: the ticket goes, and this JVM's other waiters look again. */
    private void leave(GroupFiles g, String ticket) {
        try {
            g.section(() -> {
                g.drop(ticket, true);
                return null;
            }, false);
        } catch (IOException | InterruptedException e) {
            g.dropUnlocked(ticket);
        }
        g.signal();
    }

    /** Lets go of a slot; called by {@link Slot#close}. */
    void release(GroupFiles g, int index) {
        String lock = slotLock(index);
        try {
            g.section(() -> {
                // the note first: once the lock is free the next holder writes its own
                Files.deleteIfExists(g.dir.resolve(slotInfo(index)));
                Files.deleteIfExists(g.dir.resolve(slotCancel(index)));
                g.drop(lock, false);
                return null;
            }, false);
        } catch (IOException | InterruptedException e) {
            g.dropUnlocked(lock);
        }
        g.signal();
    }

    /** Whether the holder of slot {@code index} with {@code token} has been asked to cancel. */
    boolean cancelRequested(GroupFiles g, int index, String token) {
        try {
            byte[] b = Files.readAllBytes(g.dir.resolve(slotCancel(index)));
            return token.equals(JSON.readTree(b).path("token").asText());
        } catch (NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** Asks every current holder but {@code me} to cancel, once each: a request names the holder's token. */
    private void requestCancel(GroupFiles g, List<Integer> slots, Holder me) throws IOException {
        for (int i : slots) {
            if (!g.locked(slotLock(i))) continue;
            Entry e = Entry.read(readOrEmpty(g.dir.resolve(slotInfo(i))));
            if (e == null || e.token() == null || (e.runId() != null && e.runId().equals(me.runId()) && e.pid() == me.pid())) continue;
            Path req = g.dir.resolve(slotCancel(i));
            if (cancelRequested(g, i, e.token())) continue;
            var n = JSON.createObjectNode();
            n.put("token", e.token());
            n.put("by_run_id", me.runId());
            n.put("by_label", me.label());
            n.put("at", Instant.now().toString());
            writeAtomically(req, JSON.writeValueAsBytes(n));
        }
    }

    // ---- reading the group's state (inside a section)

    private record Names(List<String> tickets, List<Integer> slots) {}

    private static Names names(GroupFiles g) throws IOException {
        List<String> tickets = new ArrayList<>();
        TreeSet<Integer> slots = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(g.dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (TICKET.matcher(n).matches()) tickets.add(n);
                Matcher m = SLOT_LOCK.matcher(n);
                if (m.matches()) slots.add(Integer.parseInt(m.group(1)));
            }
        }
        tickets.sort(null);   // zero-padded: by name is by number
        return new Names(tickets, new ArrayList<>(slots));
    }

    /** The tickets whose waiters are alive, first in line first; with {@code clean}, dead waiters' tickets are removed. */
    private static List<String> liveTickets(GroupFiles g, List<String> tickets, boolean clean) throws IOException {
        List<String> live = new ArrayList<>();
        for (String t : tickets) {
            if (g.locked(t)) live.add(t);
            else if (clean) Files.deleteIfExists(g.dir.resolve(t));
        }
        return live;
    }

    private static List<Integer> freeSlots(GroupFiles g, int limit) throws IOException {
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < limit; i++) if (!g.locked(slotLock(i))) free.add(i);
        return free;
    }

    private static List<Entry> holders(GroupFiles g, List<Integer> slots) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (int i : slots) {
            if (!g.locked(slotLock(i))) continue;
            Entry e = Entry.read(readOrEmpty(g.dir.resolve(slotInfo(i))));
            // locked, and the note not there: a holder between its lock and its note cannot be (both happen in one section)
            out.add(e != null ? e : new Entry("?", "?", 0, null, null, 0));
        }
        return out;
    }

    /** The next ticket number: above the last one handed out and above every ticket there is. */
    private static long nextTicket(GroupFiles g, List<String> tickets) throws IOException {
        long last = 0;
        try {
            String s = new String(readOrEmpty(g.dir.resolve(LAST_TICKET)), java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (!s.isEmpty()) last = Long.parseLong(s);
        } catch (NumberFormatException damaged) {
            // the tickets themselves still say how far the count went
        }
        for (String t : tickets) {
            Matcher m = TICKET.matcher(t);
            if (m.matches()) last = Math.max(last, Long.parseLong(m.group(1)));
        }
        return last + 1;
    }

    private static final String LAST_TICKET = "last-ticket";

    private static void writeLastTicket(GroupFiles g, long n) throws IOException {
        writeAtomically(g.dir.resolve(LAST_TICKET), Long.toString(n).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    // ---- listing

    /**
     * Every group that is configured or has been used here, by name, with its holders and waiters. {@code configured}
     * is {@link dev.ao.engine.config.AoConfig#concurrencyGroups()}.
     */
    public List<GroupStatus> list(Map<String, ConfigValue> configured) throws InterruptedException {
        TreeSet<String> names = new TreeSet<>(configured.keySet());
        if (Files.isDirectory(root)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (NAME.matcher(n).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) names.add(n);
                }
            } catch (IOException e) {
                throw new AoException(ExitCode.FAILED, root + ": cannot list concurrency groups: " + e.getMessage());
            }
        }
        List<GroupStatus> out = new ArrayList<>();
        for (String n : names) out.add(status(n, configured.get(n)));
        return out;
    }

    /** One group's holders and waiters; {@code configured} is its config table's limit, or null for an ad hoc group. */
    public GroupStatus status(String group, ConfigValue configured) throws InterruptedException {
        validate(group);
        Integer limit = configured == null ? null : (Integer) configured.value();
        String origin = configured == null ? null : configured.origin();
        if (!Files.isDirectory(root.resolve(group), LinkOption.NOFOLLOW_LINKS)) {
            return new GroupStatus(group, limit, origin, List.of(), List.of());
        }
        GroupFiles g = files(group, false);
        return look(g, () -> {
            Names names = names(g);
            List<Occupant> holders = new ArrayList<>();
            int asked = 0;
            for (int i : names.slots()) {
                if (!g.locked(slotLock(i))) continue;
                Entry e = Entry.read(readOrEmpty(g.dir.resolve(slotInfo(i))));
                if (e == null) e = new Entry("?", "?", 0, null, null, 0);
                asked = Math.max(asked, e.limit());
                holders.add(new Occupant(e.runId(), e.label(), e.pid(), instant(e.since()), i, null));
            }
            List<Occupant> waiting = new ArrayList<>();
            for (String t : liveTickets(g, names.tickets(), false)) {
                Entry e = Entry.read(g.content(t));
                if (e == null) e = new Entry("?", "?", 0, null, null, 0);
                asked = Math.max(asked, e.limit());
                waiting.add(new Occupant(e.runId(), e.label(), e.pid(), instant(e.since()), null, waiting.size() + 1));
            }
            holders.sort(java.util.Comparator.comparing(Occupant::since, java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder())));
            Integer shown = limit != null ? limit : asked > 0 ? asked : null;
            return new GroupStatus(group, shown, limit != null ? origin : shown != null ? "ad hoc" : null, holders, waiting);
        });
    }

    // ---- plumbing

    private GroupFiles files(String group, boolean create) {
        Path dir = root.resolve(group);
        try {
            if (create) Files.createDirectories(dir);
            return GroupFiles.of(dir.toRealPath());
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, dir + ": cannot use the concurrency group's folder: " + e.getMessage());
        }
    }

    private <T> T look(GroupFiles g, GroupFiles.Body<T> body) throws InterruptedException {
        try {
            return g.section(body, true);
        } catch (IOException e) {
            throw new AoException(ExitCode.FAILED, g.dir + ": concurrency group: " + e.getMessage(), e);
        }
    }

    private static String describe(List<Holder> holders, int waiting) {
        String held = holders.isEmpty() ? "no holder recorded"
                : "held by " + String.join(", ", holders.stream().map(Holder::describe).toList());
        return held + (waiting > 0 ? "; " + waiting + " waiting" : "");
    }

    static String slotLock(int i) {
        return "slot-" + i + ".lock";
    }

    static String slotInfo(int i) {
        return "slot-" + i + ".json";
    }

    static String slotCancel(int i) {
        return "slot-" + i + ".cancel";
    }

    private static Instant instant(String s) {
        try {
            return s == null ? null : Instant.parse(s);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static byte[] readOrEmpty(Path f) throws IOException {
        try {
            return Files.readAllBytes(f);
        } catch (NoSuchFileException gone) {
            return new byte[0];
        }
    }

    /** Readers see the old note or the new one, never half of one. */
    private static void writeAtomically(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        try {
            Files.write(tmp, content);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
