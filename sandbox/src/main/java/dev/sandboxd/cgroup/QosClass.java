package dev.sandboxd.cgroup;

import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.Quantity;
import dev.sandboxd.pod.ResourceRequirements;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A pod's Kubernetes quality-of-service class, from its containers' CPU and memory resources. */
public enum QosClass {
  Guaranteed,
  Burstable,
  BestEffort;

  private static final List<String> QOS_RESOURCES = List.of(ResourceRequirements.CPU, ResourceRequirements.MEMORY);

  /**
   * kubelet's GetPodQOS: BestEffort when no container requests or limits CPU or memory;
   * Guaranteed when every container limits both and the pod's requests equal its limits;
   * Burstable otherwise. Zero amounts count as unset.
   */
  public static QosClass of(Pod pod) {
    List<Container> all = new ArrayList<>(pod.spec().initContainers());
    all.addAll(pod.spec().containers());
    Map<String, BigDecimal> requests = new HashMap<>();
    Map<String, BigDecimal> limits = new HashMap<>();
    boolean limitsEverything = true;
    for (Container c : all) {
      int limited = 0;
      for (String resource : QOS_RESOURCES) {
        c.resources().request(resource).filter(q -> q.signum() > 0)
            .ifPresent(q -> requests.merge(resource, q.amount(), BigDecimal::add));
        Quantity limit = c.resources().limit(resource).filter(q -> q.signum() > 0).orElse(null);
        if (limit != null) {
          limits.merge(resource, limit.amount(), BigDecimal::add);
          limited++;
        }
      }
      limitsEverything &= limited == QOS_RESOURCES.size();
    }
    if (requests.isEmpty() && limits.isEmpty()) {
      return BestEffort;
    }
    if (limitsEverything && sameAmounts(requests, limits)) {
      return Guaranteed;
    }
    return Burstable;
  }

  private static boolean sameAmounts(Map<String, BigDecimal> requests, Map<String, BigDecimal> limits) {
    if (!requests.keySet().equals(limits.keySet())) {
      return false;
    }
    return requests.entrySet().stream().allMatch(e -> e.getValue().compareTo(limits.get(e.getKey())) == 0);
  }
}
