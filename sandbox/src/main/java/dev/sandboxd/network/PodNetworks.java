package dev.sandboxd.network;

import dev.sandboxd.metrics.SandboxdMetrics;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Makes the pod network sandboxd's settings ask for, and finds the node's address. */
public final class PodNetworks {
  private PodNetworks() {}

  /**
   * @param binDirs where plugins are looked up, in order
   * @param cacheDir the result cache (results/) and the default network's IPAM state (networks/)
   * @param netnsDir where pods' namespaces are pinned
   */
  public static PodNetwork of(NetworkMode mode, Path confDir, List<Path> binDirs, Path cacheDir, Path netnsDir,
      SandboxdMetrics metrics) {
    if (mode == NetworkMode.none) {
      return PodNetwork.NONE;
    }
    Path dataDir = cacheDir.resolve("networks");
    return new CniPodNetwork(() -> NetworkConfigs.load(confDir, dataDir), netnsDir, new UnshareNetnsPins(),
        new CniPlugins(binDirs, new ProcessPluginExec(), metrics), new ResultCache(cacheDir), metrics);
  }

  /** A colon-separated list of directories, as CNI_PATH is written. */
  public static List<Path> pathList(String dirs) {
    return Arrays.stream(dirs.split(":")).filter(d -> !d.isEmpty()).map(Path::of).toList();
  }

  /**
   * status.hostIP: the first IPv4 address of an interface that is up and not loopback, nor a pod
   * network's bridge or veth; 127.0.0.1 on a node with none (a node in its own network namespace),
   * where hostPorts are reached.
   */
  public static String hostIp() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        String name = nic.getName();
        if (!nic.isUp() || nic.isLoopback() || name.startsWith("veth") || name.equals(NetworkConfigs.DEFAULT_BRIDGE)
            || name.startsWith("cni") || name.startsWith("docker")) {
          continue;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a instanceof Inet4Address) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // no interfaces to read: fall back to loopback
    }
    return "127.0.0.1";
  }
}
