package dev.ao.engine.k8s;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ao.testkit.KubePeer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease slots against the testkit's Kubernetes API peer, whose leases are updated with resourceVersion checks. */
class LeaseSlotsTest {
    private static final java.time.format.DateTimeFormatter MICRO = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(java.time.ZoneOffset.UTC);
    private KubePeer peer;
    private KubernetesClient client;

    @BeforeEach
    void setUp() {
        peer = new KubePeer().start();
        peer.seedNamespace("jobs");
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(peer.url()).withOauthToken("t")
                .withRequestRetryBackoffLimit(0).build()).build();
    }

    @AfterEach
    void tearDown() {
        try {
            if (client != null) client.close();
        } finally {
            if (peer != null) peer.close();
        }
    }

    private ObjectNode seedLease(String name, String holder, Instant renewed, int seconds) {
        ObjectNode l = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("apiVersion", "coordination.k8s.io/v1").put("kind", "Lease");
        ObjectNode meta = l.putObject("metadata").put("name", name).put("namespace", "jobs");
        meta.putObject("labels").put(LeaseSlots.LABEL_COMPONENT, LeaseSlots.COMPONENT).put(LeaseSlots.LABEL_MANAGED, "ao");
        meta.putObject("annotations").put(LeaseSlots.ANNOTATION_GROUP, "deploy").put(LeaseSlots.ANNOTATION_SLOT, name.substring(name.length() - 1));
        l.putObject("spec").put("holderIdentity", holder).put("leaseDurationSeconds", seconds)
                .put("renewTime", MICRO.format(renewed)).put("acquireTime", MICRO.format(renewed));
        return peer.put(l);
    }

    @Test
    void slotsAreTakenUpToTheLimitAndLetGo() {
        LeaseSlots slots = new LeaseSlots(client, "jobs");
        LeaseSlots.Slot a = slots.tryAcquire("deploy", 2, "run-a@host", "a.sh");
        LeaseSlots.Slot b = slots.tryAcquire("deploy", 2, "run-b@host", "b.sh");
        assertThat(a.index()).isZero();
        assertThat(b.index()).isEqualTo(1);
        assertThat(slots.tryAcquire("deploy", 2, "run-c@host", "c.sh")).isNull();
        assertThat(slots.list()).extracting(LeaseSlots.Held::holder).containsExactly("run-a@host", "run-b@host");
        assertThat(peer.get("leases", "jobs", "ao-cg-deploy-0")).get()
                .satisfies(l -> assertThat(l.path("spec").path("holderIdentity").asText()).isEqualTo("run-a@host"));
        a.close();
        assertThat(peer.get("leases", "jobs", "ao-cg-deploy-0").get().path("spec").path("holderIdentity").asText("")).isEmpty();
        LeaseSlots.Slot c = slots.tryAcquire("deploy", 2, "run-c@host", "c.sh");
        assertThat(c.index()).isZero();
        assertThat(peer.get("leases", "jobs", "ao-cg-deploy-0").get().path("spec").path("holderIdentity").asText()).isEqualTo("run-c@host");
        b.close();
        c.close();
    }

    @Test
    void anExpiredLeaseOfADeadHolderIsTakenOverAndALiveOneIsNot() {
        seedLease("ao-cg-deploy-0", "dead@laptop", Instant.now().minusSeconds(120), 30);
        seedLease("ao-cg-deploy-1", "alive@ci", Instant.now(), 30);
        LeaseSlots slots = new LeaseSlots(client, "jobs");
        LeaseSlots.Slot s = slots.tryAcquire("deploy", 2, "run-x@host", "x.sh");
        assertThat(s).isNotNull();
        assertThat(s.index()).isZero();
        ObjectNode l = peer.get("leases", "jobs", "ao-cg-deploy-0").get();
        assertThat(l.path("spec").path("holderIdentity").asText()).isEqualTo("run-x@host");
        assertThat(l.path("spec").path("leaseTransitions").asInt()).isEqualTo(1);
        assertThat(slots.tryAcquire("deploy", 2, "run-y@host", "y.sh")).isNull();
        s.close();
    }

    @Test
    void ofManyRacingForOneFreeSlotExactlyOneWinsAndTheOthersTryTheNext() throws Exception {
        // every racer reads the same expired lease, then updates it with the same resourceVersion: one 409s the rest
        seedLease("ao-cg-deploy-0", "dead@laptop", Instant.now().minusSeconds(120), 30);
        int racers = 6;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<LeaseSlots.Slot> won = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> failed = new AtomicReference<>();
        for (int i = 0; i < racers; i++) {
            String who = "run-" + i + "@host";
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    LeaseSlots.Slot s = new LeaseSlots(client, "jobs").tryAcquire("deploy", 3, who, who);
                    if (s != null) won.add(s);
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) t.join(30_000);
        assertThat(failed.get()).isNull();
        assertThat(won).hasSize(3);
        assertThat(won).extracting(LeaseSlots.Slot::index).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(peer.requests()).anyMatch(r -> r.startsWith("PUT ") && r.contains("/leases/ao-cg-deploy-0"));
        won.forEach(LeaseSlots.Slot::close);
    }

    @Test
    void aWaiterIsToldWhoHoldsTheGroupAndTakesTheSlotWhenItIsLetGo() throws Exception {
        LeaseSlots slots = new LeaseSlots(client, "jobs");
        LeaseSlots.Slot held = slots.tryAcquire("Build_x", 1, "run-a@host", "a.sh");
        assertThat(held.lease()).startsWith("ao-cg-build-x-").endsWith("-0");
        AtomicReference<List<LeaseSlots.Held>> told = new AtomicReference<>();
        AtomicReference<LeaseSlots.Slot> got = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                got.set(slots.acquire("Build_x", 1, "run-b@host", "b.sh", told::set, () -> false));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (told.get() == null && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(told.get()).extracting(LeaseSlots.Held::holder).containsExactly("run-a@host");
        assertThat(got.get()).isNull();
        // waiting is a watch, not a loop of reads: once the watch is open, no more reads until something changes
        java.util.function.Predicate<String> watch = r -> r.startsWith("GET ") && r.contains("/leases") && r.contains("watch=");
        java.util.function.Predicate<String> read = r -> r.startsWith("GET ") && r.contains("/leases/") && !r.contains("watch=");
        while (peer.requests().stream().noneMatch(watch) && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(peer.requests()).anyMatch(watch);
        // the watch's first events (the leases that exist) bring one more look; after that, nothing until a change
        Thread.sleep(1000);
        int gets = (int) peer.requests().stream().filter(read).count();
        Thread.sleep(1500);
        // (the holder renews its lease every 10 s: that change may bring one more look, never a loop)
        assertThat((int) peer.requests().stream().filter(read).count()).isLessThanOrEqualTo(gets + 2);
        held.close();
        waiter.join(20_000);
        assertThat(got.get()).isNotNull();
        assertThat(got.get().holder()).isEqualTo("run-b@host");
        got.get().close();
    }
}
