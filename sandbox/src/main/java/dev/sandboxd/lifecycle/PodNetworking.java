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
import java.util.Optional;
import java.util.Set;

/**
 * A pod's network around its sandbox, in containerd's order: namespace made and its path recorded
 * before ADD, addresses recorded after; torn down after the pause task stopped. hostNetwork pods
 * get none: their pause joins sandboxd's own network namespace, the node's.
 */
final class PodNetworking {

  /**
   * What pause starts in, and what the network gave the pod.
   *
   * @param netnsPath the namespace pause joins; empty: a new one of its own (loopback only)
   * @param status the pod's addresses: here the pod IP becomes known (status, /etc/hosts)
   */
  record SandboxNetwork(Optional<String> netnsPath, NetworkStatus status) {}

  private final PodDependencies deps;
  private final String nodeNetns = "/proc/" + ProcessHandle.current().pid() + "/ns/net";
  private volatile PodNetwork network = PodNetwork.NONE;
  private volatile String hostIp = "";

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
   * Gives the pod its network. A failure leaves the namespace recorded for {@link #tearDown}
   * (the caller's rollback), which also DELs what a cut-short ADD made.
   */
  SandboxNetwork setUp(PodEntry entry) {
    if (entry.pod.spec().hostNetwork()) {
      return new SandboxNetwork(Optional.of(nodeNetns), NetworkStatus.NONE);
    }
    Optional<String> netns = network.createNamespace(entry.record.sandboxId());
    if (netns.isEmpty()) {
      return new SandboxNetwork(Optional.empty(), NetworkStatus.NONE);
    }
    // Recorded before ADD: after a crash during it, recovery finds something to DEL.
    deps.save(entry, entry.record.withNetwork(new NetworkRecord(netns.get(), List.of())));
    NetworkStatus status = network.attach(attachment(entry.pod, entry.record.sandboxId(), netns.get()));
    deps.save(entry, entry.record.withNetwork(new NetworkRecord(netns.get(), status.ips())));
    return new SandboxNetwork(netns, status);
  }

  /** DEL and namespace removal, once the pause task is gone; then the record forgets the network. */
  void tearDown(PodEntry entry) {
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
