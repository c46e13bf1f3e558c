package dev.sandboxd.spec;

/**
 * A namespace a pod shares with the node instead of owning one (CRI's NamespaceMode NODE):
 * the pause task then joins none of its own for it.
 */
public enum HostNamespace {
  NETWORK,
  PID,
  IPC
}
