package dev.sandboxd.podsecurity;

/** Kubernetes' Pod Security Standards levels, spelled as in its namespace labels. */
public enum PodSecurityLevel {
  /** Unrestricted: no check at all (Kubernetes' default). */
  privileged,
  /** Prevents known privilege escalations: no privileged containers, host paths, extra capabilities, Unconfined seccomp. */
  baseline,
  /** Baseline plus hardening: non-root, no escalation, capabilities dropped, a seccomp profile named, only safe volumes. */
  restricted
}
