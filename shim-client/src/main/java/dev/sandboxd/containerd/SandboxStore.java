package dev.sandboxd.containerd;

import java.util.List;

/** containerd's sandbox store (the records CRI keeps of its pod sandboxes, whichever sandboxer runs them). */
public interface SandboxStore {
  /** The ids of the sandboxes in the connection's namespace that the named sandboxer runs. */
  List<String> ids(String sandboxer);
}
