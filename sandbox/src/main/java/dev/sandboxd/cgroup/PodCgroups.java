package dev.sandboxd.cgroup;

/** The pod-level cgroup tree: runc creates the leaves; sandboxd removes what is left. */
public interface PodCgroups {

  /** The pod's cgroup path (relative to the cgroup2 root), e.g. /sandboxd/pod<uid>. */
  String podPath(String podUid);

  /** The cgroup path of one task of the pod. */
  default String taskPath(String podUid, String containerId) {
    return podPath(podUid) + "/" + containerId;
  }

  /** Removes the pod's cgroup and any leaves left in it; absent is fine. */
  void remove(String podUid);
}
