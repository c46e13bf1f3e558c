package dev.sandboxd.pod;

import java.util.Optional;

/**
 * An entry of a container's ports. containerPort only informs (every port of the pod's network
 * namespace is reachable on the pod IP); a hostPort is forwarded from the node to it.
 *
 * @param hostPort 0 for none
 * @param protocol TCP, UDP or SCTP
 * @param hostIp "" for every address of the node
 */
public record ContainerPort(Optional<String> name, int containerPort, int hostPort, String protocol, String hostIp) {}
