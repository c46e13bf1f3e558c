package dev.sandboxd.lifecycle;

import dev.sandboxd.network.Attachment;
import dev.sandboxd.network.NetworkStatus;
import dev.sandboxd.network.PodNetwork;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.ContainerPort;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.state.PodRecord;
import dev.sandboxd.state.PodRecord.NetworkRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A pod's network around its sandbox, in containerd's order: namespace made and its path recorded
 * before ADD, addresses recorded after; torn down after the pause task stopped. hostNetwork pods
 * get none: their pause joins sandboxd's own network namespace, the node's.
 */
final class PodNetworking {

  /**
   * What pause starts in, and the network being given to the pod.
   *
   * @param netnsPath the namespace pause joins; empty: a new one of its own (loopback only)
   * @param added the CNI ADD, running meanwhile: the pod IP becomes known when it completes
   */
  record PendingNetwork(Optional<String> netnsPath, CompletableFuture<NetworkStatus> added) {}

  private final PodDependencies deps;
  private final String nodeNetns = "/proc/" + ProcessHandle.current().pid() + "/ns/net";
  private volatile PodNetwork network = PodNetwork.NONE;
  private volatile String hostIp = "";
  /** ADDs begun and not yet finished, by sandbox id. */
  private final Map<String, CompletableFuture<NetworkStatus>> adding = new ConcurrentHashMap<>();

  PodNetworking(PodDependencies deps) {
    this.deps = deps;
  }

  /** Set once, before recovery and serving. */
  void use(PodNetwork network, String hostIp) {
    this.network = network;
    this.hostIp = hostIp;
  }

  String hostIp() {
    return hostIp;
  }

  /**
   * Pins the pod's namespace, records its path (after a crash during ADD, recovery finds
   * something to DEL) and starts ADD on the pool, so that the pause container is made and
   * started while the plugins run: the namespace exists from the start, and nothing in the pod
   * needs its addresses before {@link #finish}. A failure leaves the namespace recorded for
   * {@link #tearDown} (the caller's rollback), which waits for the ADD and DELs what it made.
   */
  PendingNetwork begin(PodEntry entry) {
    if (entry.pod.spec().hostNetwork()) {
      return new PendingNetwork(Optional.of(nodeNetns), CompletableFuture.completedFuture(NetworkStatus.NONE));
    }
    Optional<String> netns = network.createNamespace(entry.record.sandboxId());
    if (netns.isEmpty()) {
      return new PendingNetwork(Optional.empty(), CompletableFuture.completedFuture(NetworkStatus.NONE));
    }
    deps.save(entry, entry.record.withNetwork(new NetworkRecord(netns.get(), List.of())));
    Attachment attachment = attachment(entry.pod, entry.record.sandboxId(), netns.get());
    CompletableFuture<NetworkStatus> added = CompletableFuture.supplyAsync(() -> network.attach(attachment), deps.pool());
    adding.put(entry.record.sandboxId(), added);
    return new PendingNetwork(netns, added);
  }

  /** Waits for the ADD begun by {@link #begin} and records the pod's addresses. */
  NetworkStatus finish(PodEntry entry, PendingNetwork pending) {
    NetworkStatus status;
    try {
      status = pending.added().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    } finally {
      adding.remove(entry.record.sandboxId());
    }
    if (pending.netnsPath().isPresent() && !entry.pod.spec().hostNetwork()) {
      deps.save(entry, entry.record.withNetwork(new NetworkRecord(pending.netnsPath().get(), status.ips())));
    }
    return status;
  }

  /** DEL and namespace removal, once the pause task is gone; then the record forgets the network. */
  void tearDown(PodEntry entry) {
    // Never two operations on one attachment at once: an ADD still running ends before the DEL.
    CompletableFuture<NetworkStatus> add = adding.remove(entry.record.sandboxId());
    if (add != null) {
      add.handle((status, error) -> null).join();
    }
    if (entry.record.network() != null) {
      tearDown(entry.record, Optional.of(entry.pod));
      deps.save(entry, entry.record.withNetwork(null));
    }
  }

  /** The same for a record alone (recovery); pod gives the port mappings when it still parses. */
  void tearDown(PodRecord record, Optional<Pod> pod) {
    NetworkRecord n = record.network();
    if (n == null) {
      return;
    }
    network.detach(pod.map(p -> attachment(p, record.sandboxId(), n.netnsPath()))
        .orElseGet(() -> new Attachment(record.sandboxId(), n.netnsPath(), record.namespace(), record.name(), record.uid(),
            List.of())));
  }

  /** Start-up, after every record was taken up or removed: what no pod owns goes. */
  void collectGarbage(List<PodRecord> live) {
    Set<String> ids = new HashSet<>();
    live.forEach(r -> ids.add(r.sandboxId()));
    network.collectGarbage(ids);
  }

  /** status.podIPs: the network's addresses, or the node's for a hostNetwork pod (as kubelet reports them). */
  List<String> podIps(PodEntry entry) {
    if (entry.pod.spec().hostNetwork()) {
      return hostIp.isEmpty() ? List.of() : List.of(hostIp);
    }
    return entry.record.network() == null ? List.of() : entry.record.network().ips();
  }

  static Attachment attachment(Pod pod, String sandboxId, String netnsPath) {
    List<Attachment.PortMapping> ports = new ArrayList<>();
    for (Container c : pod.spec().allContainers()) {
      for (ContainerPort p : c.ports()) {
        if (p.hostPort() != 0) {
          ports.add(new Attachment.PortMapping(p.hostPort(), p.containerPort(), p.protocol().toLowerCase(Locale.ROOT),
              p.hostIp()));
        }
      }
    }
    return new Attachment(sandboxId, netnsPath, pod.metadata().namespace(), pod.metadata().name(), pod.metadata().uid(), ports);
  }
}
