package dev.sandboxd.network;

import java.util.List;
import java.util.Objects;

/**
 * One pod's attachment to the pod network: what CNI_ARGS and runtimeConfig are made of. The same
 * value goes to ADD and DEL (portmap removes only the mappings it is told again).
 *
 * @param sandboxId the pause container's id, CNI's container id
 * @param netnsPath the pinned namespace
 */
public record Attachment(
    String sandboxId, String netnsPath, String podNamespace, String podName, String podUid, List<PortMapping> portMappings) {

  public Attachment {
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(netnsPath, "netnsPath");
    portMappings = List.copyOf(portMappings);
  }

  /**
   * A host port forwarded to the pod, as CNI's portMappings capability takes it.
   *
   * @param protocol tcp, udp or sctp (lower case, as portmap wants)
   * @param hostIp "" for every address of the node
   */
  public record PortMapping(int hostPort, int containerPort, String protocol, String hostIp) {}
}
