package dev.sandboxd.network;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.metrics.SandboxdMetrics;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The pod network through CNI, in containerd's CRI order: a pinned namespace per pod under the
 * netns dir (named after the sandbox), ADD of the loopback network for lo and of the configured
 * list for eth0 with K8S_POD_* args, libcni's result cache; DEL with the cached result and the
 * same capability args before the namespace goes.
 */
public final class CniPodNetwork implements PodNetwork {
  static final String IFNAME = "eth0";
  static final String LO = "lo";
  private static final Logger LOG = System.getLogger("dev.sandboxd.network");

  private final Supplier<NetworkList> config;
  private final NetworkList loopback = NetworkConfigs.loopback();
  private final Path netnsDir;
  private final NetnsPins pins;
  private final CniPlugins plugins;
  private final ResultCache cache;
  private final SandboxdMetrics metrics;

  /** @param config the list for eth0, read at every attach (a changed conf dir applies to new pods) */
  public CniPodNetwork(Supplier<NetworkList> config, Path netnsDir, NetnsPins pins, CniPlugins plugins, ResultCache cache,
      SandboxdMetrics metrics) {
    this.config = config;
    this.netnsDir = netnsDir;
    this.pins = pins;
    this.plugins = plugins;
    this.cache = cache;
    this.metrics = metrics;
  }

  @Override
  public Optional<String> createNamespace(String sandboxId) {
    Path file = netnsDir.resolve(sandboxId);
    pins.create(file);
    return Optional.of(file.toString());
  }

  @Override
  public NetworkStatus attach(Attachment a) {
    NetworkList list = config.get();
    try {
      add(loopback, runtime(a, LO, Map.of()));
      JsonNode result = add(list, runtime(a, IFNAME, capabilities(a)));
      return new NetworkStatus(ips(result));
    } catch (RuntimeException e) {
      // A DEL must follow every ADD, also a failed one: host-local may have reserved an address.
      try {
        del(a);
      } catch (RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    } finally {
      metrics.podIpsAllocated(allocated());
    }
  }

  private JsonNode add(NetworkList list, CniPlugins.RuntimeConf rt) {
    JsonNode result = plugins.add(list, rt);
    cache.write(new ResultCache.Entry(list.name(), list.bytes(), rt, result));
    return result;
  }

  @Override
  public void detach(Attachment a) {
    try {
      del(a);
    } finally {
      metrics.podIpsAllocated(allocated());
    }
    // Only now: bridge skips its masquerade teardown when the namespace is already gone.
    pins.remove(Path.of(a.netnsPath()));
  }

  /** DEL of eth0, then lo: from the cache where ADD finished, else with what ADD was given. */
  private void del(Attachment a) {
    Map<String, ResultCache.Entry> cached = new LinkedHashMap<>();
    for (ResultCache.Entry e : cache.listOf(a.sandboxId())) {
      cached.put(e.runtime().ifName(), e);
    }
    String netns = Files.exists(Path.of(a.netnsPath())) ? a.netnsPath() : "";
    ResultCache.Entry eth0 = cached.get(IFNAME);
    if (eth0 != null) {
      delCached(eth0, netns);
    } else {
      // ADD failed or was cut short: DEL with the current list and no prevResult, as libcni does.
      // A list that does not load cannot have been ADDed by this sandboxd either.
      Optional<NetworkList> list = current();
      if (list.isPresent()) {
        plugins.del(list.get(), withNetns(runtime(a, IFNAME, capabilities(a)), netns), null);
      }
    }
    ResultCache.Entry lo = cached.get(LO);
    if (lo != null) {
      delCached(lo, netns);
    }
  }

  private Optional<NetworkList> current() {
    try {
      return Optional.of(config.get());
    } catch (SandboxdException e) {
      LOG.log(Level.WARNING, "CNI: " + e.getMessage());
      return Optional.empty();
    }
  }

  private void delCached(ResultCache.Entry e, String netns) {
    NetworkList list = NetworkConfigs.parse(e.config(), "the cached config of " + e.networkName());
    plugins.del(list, withNetns(e.runtime(), netns), e.result());
    cache.delete(e.networkName(), e.runtime().containerId(), e.runtime().ifName());
  }

  @Override
  public void collectGarbage(Set<String> liveSandboxIds) {
    cache.removeInterruptedWrites();
    // By network: GC of a list hears only of its own attachments.
    Map<String, List<CniPlugins.AttachmentKey>> valid = new HashMap<>();
    for (ResultCache.Entry e : cache.list()) {
      CniPlugins.RuntimeConf rt = e.runtime();
      if (liveSandboxIds.contains(rt.containerId())) {
        valid.computeIfAbsent(e.networkName(), n -> new ArrayList<>()).add(new CniPlugins.AttachmentKey(rt.containerId(), rt.ifName()));
        continue;
      }
      try {
        LOG.log(Level.INFO, "CNI: releasing attachment {0}/{1} of network {2}, which no pod owns",
            rt.containerId(), rt.ifName(), e.networkName());
        delCached(e, !rt.netns().isEmpty() && Files.exists(Path.of(rt.netns())) ? rt.netns() : "");
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "CNI: releasing " + rt.containerId() + "/" + rt.ifName() + ": " + ex.getMessage());
      }
    }
    for (Path pinned : pinned()) {
      if (!liveSandboxIds.contains(pinned.getFileName().toString())) {
        try {
          pins.remove(pinned);
        } catch (RuntimeException ex) {
          LOG.log(Level.WARNING, "CNI: removing netns " + pinned + ": " + ex.getMessage());
        }
      }
    }
    current().filter(NetworkList::supportsGc).ifPresent(list -> plugins.gc(list, valid.getOrDefault(list.name(), List.of()))
        .forEach(problem -> LOG.log(Level.WARNING, "CNI GC: " + problem)));
    metrics.podIpsAllocated(allocated());
  }

  private List<Path> pinned() {
    if (!Files.isDirectory(netnsDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(netnsDir)) {
      return files.toList();
    } catch (IOException e) {
      throw SandboxdException.internal("listing " + netnsDir + ": " + e.getMessage(), e);
    }
  }

  /** Attachments holding an address: cached eth0 results (counted by name, not read: this runs at every attach). */
  private int allocated() {
    return cache.count(IFNAME);
  }

  private static CniPlugins.RuntimeConf runtime(Attachment a, String ifName, Map<String, Object> capabilities) {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("K8S_POD_NAMESPACE", a.podNamespace());
    args.put("K8S_POD_NAME", a.podName());
    args.put("K8S_POD_INFRA_CONTAINER_ID", a.sandboxId());
    args.put("K8S_POD_UID", a.podUid());
    return new CniPlugins.RuntimeConf(a.sandboxId(), a.netnsPath(), ifName, args, capabilities);
  }

  private static CniPlugins.RuntimeConf withNetns(CniPlugins.RuntimeConf rt, String netns) {
    return new CniPlugins.RuntimeConf(rt.containerId(), netns, rt.ifName(), rt.args(), rt.capabilityArgs());
  }

  /** runtimeConfig offers: portMappings, as CRI passes them (only plugins declaring the capability get them). */
  static Map<String, Object> capabilities(Attachment a) {
    if (a.portMappings().isEmpty()) {
      return Map.of();
    }
    List<Map<String, Object>> mappings = new ArrayList<>();
    for (Attachment.PortMapping p : a.portMappings()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("hostPort", p.hostPort());
      m.put("containerPort", p.containerPort());
      m.put("protocol", p.protocol());
      if (!p.hostIp().isEmpty()) {
        m.put("hostIP", p.hostIp());
      }
      mappings.add(m);
    }
    return Map.of("portMappings", mappings);
  }

  /** The result's addresses without their prefix length, IPv4 first. */
  static List<String> ips(JsonNode result) {
    List<String> v4 = new ArrayList<>();
    List<String> v6 = new ArrayList<>();
    for (JsonNode ip : result.path("ips")) {
      String address = ip.path("address").asText("");
      int slash = address.indexOf('/');
      String bare = slash < 0 ? address : address.substring(0, slash);
      if (!bare.isEmpty()) {
        (bare.contains(":") ? v6 : v4).add(bare);
      }
    }
    v4.addAll(v6);
    return v4;
  }
}
