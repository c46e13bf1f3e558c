package dev.sandboxd.probe;

import java.io.IOException;

/** Moves threads between network namespaces (setns(2) on Linux); an interface so tests need no root. */
public interface NetworkNamespaces {

  /**
   * Moves the calling thread, and only it, into the network namespace of process pid. Sockets the
   * thread creates afterwards live there; the thread can never be trusted with host traffic again.
   */
  void enterNetworkNamespaceOf(long pid) throws IOException;
}
