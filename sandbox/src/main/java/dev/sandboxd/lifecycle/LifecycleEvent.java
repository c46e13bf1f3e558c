package dev.sandboxd.lifecycle;

import java.time.Instant;

/** Something that happened to a pod or one of its containers; container is "" for pod-level events. */
public record LifecycleEvent(Instant time, String pod, String podUid, String container, Type type, String reason, String message) {

  public enum Type {
    SandboxCreated,
    SandboxReady,
    SandboxStopped,
    SandboxRemoved,
    ContainerCreated,
    ContainerStarted,
    ContainerExited,
    ContainerRestarted,
    ContainerOomKilled,
    ContainerBackOff,
    ProbeFailed,
    /** Something the pod asked for that it got only in part (reason: kubelet's, e.g. MissingClusterDNS). */
    Warning
  }
}
