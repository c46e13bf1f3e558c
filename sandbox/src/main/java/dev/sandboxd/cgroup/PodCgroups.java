package dev.sandboxd.cgroup;

import dev.sandboxd.pod.Pod;

/**
 * The pod-level cgroup tree: sandboxd makes the pod cgroup with its limits, runc makes each
 * task's leaf below it from the OCI spec, sandboxd removes what is left.
 */
public interface PodCgroups {

  /** The pod's cgroup path (relative to the cgroup2 root), e.g. /sandboxd/pod<uid>. */
  String podPath(String podUid);

  /** The cgroup path of one task of the pod. */
  default String taskPath(String podUid, String containerId) {
    return podPath(podUid) + "/" + containerId;
  }

  /**
   * The pod's resources on this node (see {@link PodResources#plan}); FailedPrecondition when it
   * asks for a limit this node cannot enforce and the policy is to reject.
   *
   * @param running the pod runs already (recovery): a missing controller is only a warning,
   *     since refusing would not stop it
   */
  PodResources plan(Pod pod, boolean running);

  /** Creates the pod's cgroup with its controllers enabled and its limits written. */
  void create(String podUid, CgroupLimits limits);

  /** Removes the pod's cgroup and any leaves left in it, killing what still runs there; absent is fine. */
  void remove(String podUid);

  /** Kills every process of the pod at once (cgroup.kill), for a pod that does not stop otherwise. */
  void kill(String podUid);

  /** Freezes or thaws every task of the pod and waits until the kernel says it is done. */
  void freeze(String podUid, boolean frozen);

  /** Whether the pod's cgroup is frozen (cgroup.events "frozen 1"). */
  boolean frozen(String podUid);

  CgroupUsage usage(String cgroupPath);

  /** memory.events oom_kill of the cgroup: processes in it the OOM killer killed; 0 when unknown. */
  long oomKills(String cgroupPath);
}
