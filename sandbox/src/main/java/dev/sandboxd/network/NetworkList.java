package dev.sandboxd.network;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A CNI network configuration list (a .conflist, or a .conf made into a list of one, as libcni
 * does): the network's name and version and each plugin's object, in order.
 *
 * @param bytes the list as read (the result cache keeps it, as libcni's does)
 */
public record NetworkList(String name, String cniVersion, List<ObjectNode> plugins, byte[] bytes) {
  public NetworkList {
    plugins = List.copyOf(plugins);
  }

  /** The plugin's binary name (its "type"). */
  static String type(ObjectNode plugin) {
    return plugin.path("type").asText();
  }

  /** GC exists from cniVersion 1.1.0 on; libcni sends it to no older list. */
  boolean supportsGc() {
    String[] parts = cniVersion.split("\\.");
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return major > 1 || (major == 1 && minor >= 1);
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
