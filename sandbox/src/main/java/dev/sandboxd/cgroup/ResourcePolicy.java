package dev.sandboxd.cgroup;

/**
 * The node's settings for pod resources.
 *
 * @param podPidsLimit pids.max of every pod cgroup where the pids controller exists (left out
 *     silently where it does not); 0 or less means none. A pod may override it with the
 *     annotation {@link #PIDS_LIMIT_ANNOTATION}, which, like any limit a pod asks for, is refused
 *     or warned about where the controller is missing
 * @param onMissingController what to do with a pod that asks for a limit whose cgroup controller
 *     this node does not offer
 * @param nodeMemoryBytes the node's memory, which Burstable containers' oom_score_adj is relative to
 */
public record ResourcePolicy(long podPidsLimit, MissingController onMissingController, long nodeMemoryBytes) {

  public static final String PIDS_LIMIT_ANNOTATION = "sandboxd.dev/pod-pids-limit";

  public enum MissingController {
    /** Refuse to run the pod, naming the controller and the cgroup. */
    reject,
    /** Run the pod without that limit and say so in its status. */
    warn
  }

  public ResourcePolicy {
    if (nodeMemoryBytes <= 0) {
      throw new IllegalArgumentException("nodeMemoryBytes must be positive: " + nodeMemoryBytes);
    }
  }
}
