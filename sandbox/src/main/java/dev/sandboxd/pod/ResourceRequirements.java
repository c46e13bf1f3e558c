package dev.sandboxd.pod;

import java.util.Map;
import java.util.Optional;

/**
 * A container's resources.requests and resources.limits, validated: only the resources sandboxd
 * enforces, never negative, requests at most limits, and a limit without a request copied to the
 * request (Kubernetes' defaulting).
 */
public record ResourceRequirements(Map<String, Quantity> requests, Map<String, Quantity> limits) {

  public static final String CPU = "cpu";
  public static final String MEMORY = "memory";
  public static final String HUGEPAGES_2MI = "hugepages-2Mi";
  public static final ResourceRequirements NONE = new ResourceRequirements(Map.of(), Map.of());

  public ResourceRequirements {
    requests = Map.copyOf(requests);
    limits = Map.copyOf(limits);
  }

  public Optional<Quantity> request(String resource) {
    return Optional.ofNullable(requests.get(resource));
  }

  public Optional<Quantity> limit(String resource) {
    return Optional.ofNullable(limits.get(resource));
  }

  /** Kubernetes' MilliValue of the request, 0 when there is none. */
  public long requestMilli(String resource) {
    return request(resource).map(Quantity::milliValue).orElse(0L);
  }

  /** Kubernetes' Value (rounded up) of the request, 0 when there is none. */
  public long requestValue(String resource) {
    return request(resource).map(Quantity::value).orElse(0L);
  }
}
