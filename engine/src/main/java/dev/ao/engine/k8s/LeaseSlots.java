package dev.ao.engine.k8s;

import dev.ao.engine.AoException;
import dev.ao.engine.ExitCode;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The slots of a concurrency group in the cluster, so that every ao sharing it (two laptops and a CI runner) keeps to
 * one limit: slot i of group G is the Lease {@code ao-cg-<G>-<i>} in the runner's namespace. A slot is taken by
 * creating its Lease, or by updating one that is free (no holder, or not renewed within its
 * {@code leaseDurationSeconds}) with the resourceVersion just read: of two ao racing for it, the API server lets one
 * win and answers the other 409, which then tries the next slot. The holder renews every third of the duration; a
 * dead holder's slot frees itself when its lease runs out. A waiter watches the leases instead of polling them.
 */
public final class LeaseSlots {
    /** How long a slot stays held without renewal: a crashed ao blocks its group for at most this long. */
    public static final int LEASE_SECONDS = 30;
    public static final String LABEL_MANAGED = "app.kubernetes.io/managed-by";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String COMPONENT = "concurrency-slot";
    public static final String ANNOTATION_GROUP = "ao.dev/concurrency-group";
    public static final String ANNOTATION_SLOT = "ao.dev/concurrency-slot";
    public static final String ANNOTATION_LABEL = "ao.dev/label";
    /** How often a waiter looks whether its run was canceled (no API call). */
    private static final long CANCEL_CHECK_MS = 200;

    private final KubernetesClient client;
    private final String namespace;
    private final int leaseSeconds;
    private final Clock clock;

    public LeaseSlots(KubernetesClient client, String namespace) {
        this(client, namespace, LEASE_SECONDS, Clock.systemUTC());
    }

    public LeaseSlots(KubernetesClient client, String namespace, int leaseSeconds, Clock clock) {
        if (leaseSeconds < 3) throw new IllegalArgumentException("leaseSeconds must be 3 or more");
        this.client = client;
        this.namespace = namespace;
        this.leaseSeconds = leaseSeconds;
        this.clock = clock;
    }

    /** A slot's holder as a Lease says it: who, since when, last renewed. */
    public record Held(String group, int slot, String holder, String label, Instant acquired, Instant renewed, boolean expired) {}

    /** {@code <run id>@<host>}: the holder identity of a run supervised by this ao. */
    public static String identity(String runId) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return runId + "@" + host;
    }

    /**
     * The Lease name of slot {@code i}: the group lowercased with {@code _} as {@code -}; a group whose name that
     * changes gets a short hash of the original too, so {@code Deploy} and {@code deploy} stay two groups.
     */
    public static String leaseName(String group, int i) {
        String s = group.toLowerCase(Locale.ROOT).replace('_', '-');
        if (!s.equals(group)) s = s + "-" + sha(group).substring(0, 8);
        return "ao-cg-" + s + "-" + i;
    }

    private static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Takes a free slot of {@code group} now, trying slots 0 to limit - 1 in turn; null if all are held.
     */
    public Slot tryAcquire(String group, int limit, String holder, String label) {
        for (int i = 0; i < limit; i++) {
            Lease taken = take(group, i, holder, label);
            if (taken != null) return new Slot(group, i, holder, taken);
        }
        return null;
    }

    /**
     * Waits for a slot: {@code blocked} hears once who holds the group (then the run is recorded blocked); a change
     * to any slot lease, or the next expiry, wakes the waiter up. Throws a CANCELED AoException when
     * {@code canceled} becomes true first.
     */
    public Slot acquire(String group, int limit, String holder, String label, Consumer<List<Held>> blocked,
                        BooleanSupplier canceled) throws InterruptedException {
        Slot s = tryAcquire(group, limit, holder, label);
        if (s != null) return s;
        Object changed = new Object();
        AtomicBoolean dirty = new AtomicBoolean();
        Watch watch = null;
        try {
            watch = client.resources(Lease.class).inNamespace(namespace).withLabel(LABEL_COMPONENT, COMPONENT).watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Lease resource) {
                    synchronized (changed) {
                        dirty.set(true);
                        changed.notifyAll();
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                    synchronized (changed) {
                        dirty.set(true);
                        changed.notifyAll();
                    }
                }
            });
        } catch (KubernetesClientException e) {
            // no watch (RBAC, an old server): fall back to looking at each expiry and every few seconds
        }
        try {
            // a lease may have been let go between the first try and the watch
            s = tryAcquire(group, limit, holder, label);
            if (s != null) return s;
            List<Held> holders = holders(group, limit);
            blocked.accept(holders);
            while (true) {
                long waitUntil = nextExpiry(holders).map(Instant::toEpochMilli).orElse(Long.MAX_VALUE);
                if (watch == null) waitUntil = Math.min(waitUntil, clock.millis() + 5_000);
                synchronized (changed) {
                    while (!dirty.get() && clock.millis() < waitUntil) {
                        if (canceled.getAsBoolean()) {
                            throw new AoException(ExitCode.CANCELED, "canceled while waiting for concurrency group '" + group + "'");
                        }
                        changed.wait(Math.max(1, Math.min(CANCEL_CHECK_MS, waitUntil - clock.millis())));
                    }
                    dirty.set(false);
                }
                if (canceled.getAsBoolean()) {
                    throw new AoException(ExitCode.CANCELED, "canceled while waiting for concurrency group '" + group + "'");
                }
                s = tryAcquire(group, limit, holder, label);
                if (s != null) return s;
                holders = holders(group, limit);
            }
        } finally {
            if (watch != null) watch.close();
        }
    }

    private static java.util.Optional<Instant> nextExpiry(List<Held> holders) {
        return holders.stream().filter(h -> h.renewed() != null).map(Held::renewed).min(Comparator.naturalOrder());
    }

    /** Who holds the slots 0 to limit - 1 of {@code group} (free slots left out), each with when its lease runs out. */
    public List<Held> holders(String group, int limit) {
        List<Held> out = new ArrayList<>();
        for (int i = 0; i < limit; i++) {
            Lease l = client.resources(Lease.class).inNamespace(namespace).withName(leaseName(group, i)).get();
            Held h = l == null ? null : held(l);
            if (h != null && h.holder() != null) out.add(expiryAsRenewed(h, l));
        }
        return out;
    }

    /** For waiting: the renewed field of a holder becomes the instant its lease runs out. */
    private Held expiryAsRenewed(Held h, Lease l) {
        Instant until = h.renewed() == null ? null : h.renewed().plusSeconds(duration(l));
        return new Held(h.group(), h.slot(), h.holder(), h.label(), h.acquired(), until, h.expired());
    }

    /** Every slot lease ao keeps in the namespace, held or not, by group then slot. */
    public List<Held> list() {
        List<Held> out = new ArrayList<>();
        for (Lease l : client.resources(Lease.class).inNamespace(namespace).withLabel(LABEL_COMPONENT, COMPONENT).list().getItems()) {
            Held h = held(l);
            if (h != null) out.add(h);
        }
        out.sort(Comparator.comparing(Held::group).thenComparingInt(Held::slot));
        return out;
    }

    private Held held(Lease l) {
        Map<String, String> a = l.getMetadata().getAnnotations();
        if (a == null || a.get(ANNOTATION_GROUP) == null) return null;
        int slot;
        try {
            slot = Integer.parseInt(a.getOrDefault(ANNOTATION_SLOT, "-1"));
        } catch (NumberFormatException e) {
            slot = -1;
        }
        String holder = l.getSpec() == null || l.getSpec().getHolderIdentity() == null || l.getSpec().getHolderIdentity().isEmpty()
                ? null : l.getSpec().getHolderIdentity();
        Instant renewed = l.getSpec() == null ? null : time(l.getSpec().getRenewTime());
        Instant acquired = l.getSpec() == null ? null : time(l.getSpec().getAcquireTime());
        return new Held(a.get(ANNOTATION_GROUP), slot, holder, a.get(ANNOTATION_LABEL), acquired, renewed, holder != null && !held(l, clock.instant()));
    }

    private int duration(Lease l) {
        Integer d = l.getSpec() == null ? null : l.getSpec().getLeaseDurationSeconds();
        return d == null || d <= 0 ? leaseSeconds : d;
    }

    /** Whether the lease has a holder whose renewal is still within its duration. */
    private boolean held(Lease l, Instant now) {
        if (l.getSpec() == null || l.getSpec().getHolderIdentity() == null || l.getSpec().getHolderIdentity().isEmpty()) return false;
        Instant renewed = time(l.getSpec().getRenewTime());
        if (renewed == null) renewed = time(l.getSpec().getAcquireTime());
        return renewed != null && renewed.plusSeconds(duration(l)).isAfter(now);
    }

    private static Instant time(java.time.ZonedDateTime t) {
        return t == null ? null : t.toInstant();
    }

    private java.time.ZonedDateTime now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
    }

    /** One attempt at slot {@code i}: the lease now held, or null if another holds it or won the race. */
    private Lease take(String group, int i, String holder, String label) {
        String name = leaseName(group, i);
        var leases = client.resources(Lease.class).inNamespace(namespace);
        java.time.ZonedDateTime now = now();
        try {
            return leases.resource(new LeaseBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace)
                    .addToLabels(LABEL_MANAGED, "ao").addToLabels(LABEL_COMPONENT, COMPONENT)
                    .addToAnnotations(ANNOTATION_GROUP, group).addToAnnotations(ANNOTATION_SLOT, Integer.toString(i))
                    .addToAnnotations(ANNOTATION_LABEL, label == null ? "" : label)
                    .endMetadata()
                    .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(leaseSeconds)
                    .withAcquireTime(now).withRenewTime(now).withLeaseTransitions(0).endSpec()
                    .build()).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) throw failed("create", name, e);
        }
        Lease current;
        try {
            current = leases.withName(name).get();
        } catch (KubernetesClientException e) {
            throw failed("read", name, e);
        }
        if (current == null || held(current, clock.instant())) return null;
        Integer transitions = current.getSpec().getLeaseTransitions();
        Lease mine = new LeaseBuilder(current)
                .editMetadata().addToAnnotations(ANNOTATION_GROUP, group).addToAnnotations(ANNOTATION_SLOT, Integer.toString(i))
                .addToAnnotations(ANNOTATION_LABEL, label == null ? "" : label)
                .addToLabels(LABEL_MANAGED, "ao").addToLabels(LABEL_COMPONENT, COMPONENT).endMetadata()
                .editSpec().withHolderIdentity(holder).withLeaseDurationSeconds(leaseSeconds).withAcquireTime(now).withRenewTime(now)
                .withLeaseTransitions(transitions == null ? 1 : transitions + 1).endSpec()
                .build();
        try {
            // the resourceVersion just read: if anyone changed the lease since, the server answers 409
            return leases.resource(mine).update();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) return null;
            throw failed("update", name, e);
        }
    }

    private AoException failed(String verb, String name, KubernetesClientException e) {
        return new AoException(ExitCode.FAILED, "k8s concurrency: cannot " + verb + " lease " + namespace + "/" + name + ": "
                + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : e.getCause() != null ? e.getCause().getMessage() : e.getMessage()).lines().findFirst().orElse(""));
    }

    private static volatile ScheduledExecutorService renewer;

    private static synchronized ScheduledExecutorService renewer() {
        if (renewer == null) {
            renewer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ao-lease-renew");
                t.setDaemon(true);
                return t;
            });
        }
        return renewer;
    }

    /** A held slot: renewed in the background every third of the lease duration until {@link #close()}. */
    public final class Slot implements AutoCloseable {
        private final String group;
        private final int index;
        private final String holder;
        private volatile Lease lease;
        private final AtomicBoolean closed = new AtomicBoolean();
        private final java.util.concurrent.ScheduledFuture<?> renewal;

        Slot(String group, int index, String holder, Lease lease) {
            this.group = group;
            this.index = index;
            this.holder = holder;
            this.lease = lease;
            long every = Math.max(1000, leaseSeconds * 1000L / 3);
            this.renewal = renewer().scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
        }

        public String group() { return group; }

        public int index() { return index; }

        public String holder() { return holder; }

        public String lease() { return lease.getMetadata().getName(); }

        private synchronized void renew() {
            if (closed.get()) return;
            try {
                Lease l = new LeaseBuilder(lease).editSpec().withRenewTime(now()).endSpec().build();
                lease = client.resources(Lease.class).inNamespace(namespace).resource(l).update();
            } catch (KubernetesClientException e) {
                // a 409: someone changed it; read it back and keep renewing only while it still names this holder
                try {
                    Lease now = client.resources(Lease.class).inNamespace(namespace).withName(LeaseSlots.leaseName(group, index)).get();
                    if (now != null && holder.equals(now.getSpec().getHolderIdentity())) lease = now;
                } catch (KubernetesClientException ignored) {
                    // the next renewal tries again; the lease has two more periods before it runs out
                }
            } catch (RuntimeException e) {
                // never let the renewal thread die
            }
        }

        /** Lets go of the slot: the holder becomes empty, so a waiter takes it at once. Idempotent. */
        @Override
        public synchronized void close() {
            if (!closed.compareAndSet(false, true)) return;
            renewal.cancel(false);
            var leases = client.resources(Lease.class).inNamespace(namespace);
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    Lease now = attempt == 0 ? lease : leases.withName(LeaseSlots.leaseName(group, index)).get();
                    if (now == null || !holder.equals(now.getSpec().getHolderIdentity())) return;
                    leases.resource(new LeaseBuilder(now).editSpec().withHolderIdentity(null).withRenewTime(null).withAcquireTime(null).endSpec().build()).update();
                    return;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) return; // it runs out by itself within the lease duration
                }
            }
        }

        @Override
        public String toString() {
            return "slot " + index + " of concurrency group '" + group + "' (lease " + namespace + "/" + LeaseSlots.leaseName(group, index) + ")";
        }
    }
}
