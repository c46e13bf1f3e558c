package dev.sandboxd.probe;

import dev.sandboxd.pod.Supervision;

/**
 * One running container as the probes see it: exec probes run in containerId, network probes
 * in the network namespace of the pod's pause process.
 */
public record ProbeTarget(String podUid, String containerName, String containerId, long pausePid, Supervision supervision) {}
