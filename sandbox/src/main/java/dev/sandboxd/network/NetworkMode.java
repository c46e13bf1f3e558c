package dev.sandboxd.network;

/** sandboxd's --network: the pod network through CNI, or none (each pod's loopback alone). */
public enum NetworkMode {
  cni,
  none
}
