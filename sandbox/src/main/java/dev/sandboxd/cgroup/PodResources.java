package dev.sandboxd.cgroup;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.Quantity;
import dev.sandboxd.pod.ResourceRequirements;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * What a pod gets from its cgroups: the pod cgroup's limits, each container's, and its QoS
 * class, mapped the way kubelet maps requests and limits on cgroup v2.
 *
 * @param warnings limits asked for but not enforced (their controller is missing and the policy
 *     is to warn), for the pod's status
 */
public record PodResources(
    QosClass qos, CgroupLimits pod, Map<String, ContainerResources> containers, List<String> warnings) {

  public PodResources {
    containers = Map.copyOf(containers);
    warnings = List.copyOf(warnings);
  }

  /** One container's cgroup limits (its OCI spec's linux.resources) and oom_score_adj. */
  public record ContainerResources(CgroupLimits limits, int oomScoreAdj) {}

  public ContainerResources container(String name) {
    ContainerResources c = containers.get(name);
    if (c == null) {
      throw new IllegalArgumentException("no container " + name + " in this pod");
    }
    return c;
  }

  /**
   * Plans the pod's cgroups. Settings the pod does not ask for (CPU weight of a BestEffort pod,
   * hugetlb 0) are only made where their controller is available; a limit it asks for whose
   * controller is missing fails with FailedPrecondition naming the controller and the cgroup,
   * or, when the policy says warn, is left out and reported in {@link #warnings()}.
   *
   * @param available the controllers the pod's cgroup can have (cgroup.controllers of the root)
   * @param cgroup where the pod's cgroup is, for messages
   */
  public static PodResources plan(Pod pod, ResourcePolicy policy, Set<String> available, String cgroup) {
    List<Container> all = new ArrayList<>(pod.spec().initContainers());
    all.addAll(pod.spec().containers());
    long pidsLimit = pidsLimit(pod, policy);

    Map<String, String> asked = new LinkedHashMap<>();
    if (all.stream().anyMatch(c -> c.resources().request(ResourceRequirements.CPU).isPresent()
        || c.resources().limit(ResourceRequirements.CPU).isPresent())) {
      asked.put(CgroupLimits.CPU, "a CPU request or limit");
    }
    if (all.stream().anyMatch(c -> c.resources().limit(ResourceRequirements.MEMORY).isPresent())) {
      asked.put(CgroupLimits.MEMORY, "a memory limit");
    }
    // The node's default is a safety net, skipped silently where there is no pids controller;
    // a pod's own annotation is a request like a memory limit.
    if (pidsLimit > 0 && pod.metadata().annotations().containsKey(ResourcePolicy.PIDS_LIMIT_ANNOTATION)) {
      asked.put(CgroupLimits.PIDS, "a pids limit of " + pidsLimit);
    }
    if (all.stream().anyMatch(c -> c.resources().limit(ResourceRequirements.HUGEPAGES_2MI).isPresent())) {
      asked.put(CgroupLimits.HUGETLB, "a hugepages-2Mi limit");
    }
    List<String> warnings = new ArrayList<>();
    for (Map.Entry<String, String> ask : asked.entrySet()) {
      if (available.contains(ask.getKey())) {
        continue;
      }
      String problem = String.format("pod %s asks for %s, but the cgroup controller \"%s\" is not available for its cgroup %s"
              + " (available: %s)", pod.fullName(), ask.getValue(), ask.getKey(), cgroup, describe(available));
      if (policy.onMissingController() == ResourcePolicy.MissingController.reject) {
        throw SandboxdException.failedPrecondition(
            "%s; run sandboxd with --cgroup-missing=warn to run such pods without the limit", problem);
      }
      warnings.add(problem + "; running it without that limit");
    }

    boolean cpu = available.contains(CgroupLimits.CPU);
    boolean memory = available.contains(CgroupLimits.MEMORY);
    boolean hugetlb = available.contains(CgroupLimits.HUGETLB);
    CgroupLimits podLimits = new CgroupLimits(
        cpu ? OptionalLong.of(ResourceMapping.milliCpuToShares(podAmount(pod, r -> r.requestMilli(ResourceRequirements.CPU))))
            : OptionalLong.empty(),
        cpu && everyContainerLimits(all, ResourceRequirements.CPU)
            ? positive(ResourceMapping.milliCpuToQuota(podAmount(pod, r -> limitMilli(r, ResourceRequirements.CPU))))
            : OptionalLong.empty(),
        memory && everyContainerLimits(all, ResourceRequirements.MEMORY)
            ? OptionalLong.of(podAmount(pod, r -> limitValue(r, ResourceRequirements.MEMORY)))
            : OptionalLong.empty(),
        available.contains(CgroupLimits.PIDS) && pidsLimit > 0 ? OptionalLong.of(pidsLimit) : OptionalLong.empty(),
        hugetlb ? OptionalLong.of(podAmount(pod, r -> limitValue(r, ResourceRequirements.HUGEPAGES_2MI))) : OptionalLong.empty());

    QosClass qos = QosClass.of(pod);
    Map<String, ContainerResources> containers = new LinkedHashMap<>();
    for (Container c : all) {
      ResourceRequirements r = c.resources();
      CgroupLimits limits = new CgroupLimits(
          cpu ? OptionalLong.of(ResourceMapping.milliCpuToShares(r.requestMilli(ResourceRequirements.CPU))) : OptionalLong.empty(),
          cpu ? positive(ResourceMapping.milliCpuToQuota(limitMilli(r, ResourceRequirements.CPU))) : OptionalLong.empty(),
          memory && r.limit(ResourceRequirements.MEMORY).isPresent()
              ? OptionalLong.of(limitValue(r, ResourceRequirements.MEMORY))
              : OptionalLong.empty(),
          OptionalLong.empty(),
          hugetlb ? OptionalLong.of(limitValue(r, ResourceRequirements.HUGEPAGES_2MI)) : OptionalLong.empty());
      containers.put(c.name(), new ContainerResources(limits, oomScoreAdj(qos, r, policy.nodeMemoryBytes())));
    }
    return new PodResources(qos, podLimits, containers, warnings);
  }

  /** The annotation, else the node's setting; 0 or less is no limit. */
  private static long pidsLimit(Pod pod, ResourcePolicy policy) {
    String value = pod.metadata().annotations().get(ResourcePolicy.PIDS_LIMIT_ANNOTATION);
    if (value == null) {
      return policy.podPidsLimit();
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw SandboxdException.invalidArgument(
          "metadata.annotations[%s]: must be an integer (0 or -1 for no limit), is \"%s\"", ResourcePolicy.PIDS_LIMIT_ANNOTATION, value);
    }
  }

  /**
   * kubelet's pod-level amount: init containers run one at a time before the app containers,
   * so the pod needs the larger of the app containers' sum and the largest init container's.
   */
  private static long podAmount(Pod pod, ToLongFunction<ResourceRequirements> amount) {
    long apps = 0;
    for (Container c : pod.spec().containers()) {
      apps = saturatedAdd(apps, amount.applyAsLong(c.resources()));
    }
    long init = 0;
    for (Container c : pod.spec().initContainers()) {
      init = Math.max(init, amount.applyAsLong(c.resources()));
    }
    return Math.max(apps, init);
  }

  private static boolean everyContainerLimits(List<Container> all, String resource) {
    return all.stream().allMatch(c -> c.resources().limit(resource).isPresent());
  }

  private static long limitMilli(ResourceRequirements r, String resource) {
    return r.limit(resource).map(Quantity::milliValue).orElse(0L);
  }

  private static long limitValue(ResourceRequirements r, String resource) {
    return r.limit(resource).map(Quantity::value).orElse(0L);
  }

  private static OptionalLong positive(long value) {
    return value > 0 ? OptionalLong.of(value) : OptionalLong.empty();
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  private static int oomScoreAdj(QosClass qos, ResourceRequirements r, long nodeMemoryBytes) {
    switch (qos) {
      case Guaranteed:
        return ResourceMapping.GUARANTEED_OOM_SCORE_ADJ;
      case BestEffort:
        return ResourceMapping.BEST_EFFORT_OOM_SCORE_ADJ;
      default:
        return ResourceMapping.burstableOomScoreAdj(r.requestValue(ResourceRequirements.MEMORY), nodeMemoryBytes);
    }
  }

  private static String describe(Set<String> available) {
    return available.isEmpty() ? "none" : String.join(" ", new TreeSet<>(available));
  }
}
