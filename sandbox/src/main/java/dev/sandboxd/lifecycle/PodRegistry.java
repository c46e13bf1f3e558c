package dev.sandboxd.lifecycle;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pods sandboxd holds: by uid, by the id of any of their containers or their sandbox (for
 * containerd's events), and by name, which stays unique.
 */
final class PodRegistry {
  private final Map<String, PodEntry> byUid = new ConcurrentHashMap<>();
  private final Map<String, PodEntry> byContainerId = new ConcurrentHashMap<>();

  /** Adds a new pod; AlreadyExists when its name or uid is taken. */
  void claim(PodEntry entry) {
    synchronized (byUid) {
      for (PodEntry other : byUid.values()) {
        if (other.fullName().equals(entry.fullName())) {
          throw SandboxdException.alreadyExists(
              "pod %s exists already (sandbox %s): remove it first", entry.fullName(), other.record.sandboxId());
        }
      }
      if (byUid.putIfAbsent(entry.uid(), entry) != null) {
        throw SandboxdException.alreadyExists("a pod with uid %s exists already", entry.uid());
      }
    }
  }

  /** Forgets the pod and every id of it; work still queued for it then finds it gone. */
  void release(PodEntry entry) {
    entry.gone = true;
    byUid.remove(entry.uid(), entry);
    byContainerId.values().removeIf(e -> e == entry);
  }

  /** Routes containerd's events for this container or sandbox id to the pod. */
  void track(String containerId, PodEntry entry) {
    byContainerId.put(containerId, entry);
  }

  void untrack(String containerId) {
    byContainerId.remove(containerId);
  }

  Optional<PodEntry> byContainerId(String containerId) {
    return Optional.ofNullable(byContainerId.get(containerId));
  }

  Collection<PodEntry> all() {
    return List.copyOf(byUid.values());
  }

  /** "name" (namespace default), "namespace/name", or a sandbox id or unique prefix of 6+ characters. */
  PodEntry resolve(String ref) {
    String namespace = "default";
    String name = ref;
    int slash = ref.indexOf('/');
    if (slash >= 0) {
      namespace = ref.substring(0, slash);
      name = ref.substring(slash + 1);
    }
    List<PodEntry> bySandbox = new ArrayList<>();
    for (PodEntry e : byUid.values()) {
      if (e.pod.metadata().namespace().equals(namespace) && e.pod.metadata().name().equals(name)) {
        return e;
      }
      if (slash < 0 && ref.length() >= 6 && e.record.sandboxId().startsWith(ref)) {
        bySandbox.add(e);
      }
    }
    if (bySandbox.size() == 1) {
      return bySandbox.get(0);
    }
    if (bySandbox.size() > 1) {
      throw SandboxdException.invalidArgument("pod: sandbox id prefix %s is ambiguous", ref);
    }
    throw SandboxdException.notFound("pod %s not found", slash < 0 ? "default/" + ref : ref);
  }
}
