package dev.sandboxd.lifecycle;

/** Kubernetes' pod phases, spelled as in the API. */
public enum PodPhase {
  Pending,
  Running,
  Succeeded,
  Failed,
  Unknown
}
