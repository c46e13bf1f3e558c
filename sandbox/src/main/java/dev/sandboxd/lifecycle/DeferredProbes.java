package dev.sandboxd.lifecycle;

import dev.sandboxd.probe.ContainerProbes;
import dev.sandboxd.pod.Supervision;

/**
 * The probes, set once after the lifecycle exists: the probe manager calls back into the
 * lifecycle, so one of the two must come second. Until then there are none.
 */
final class DeferredProbes implements ContainerProbes {
  private volatile ContainerProbes probes = ContainerProbes.NONE;

  void set(ContainerProbes probes) {
    this.probes = probes;
  }

  @Override
  public void start(String podUid, String containerName, String containerId, int pausePid, Supervision supervision) {
    probes.start(podUid, containerName, containerId, pausePid, supervision);
  }

  @Override
  public void stop(String containerId) {
    probes.stop(containerId);
  }

  @Override
  public void stopAll(String podUid) {
    probes.stopAll(podUid);
  }

  @Override
  public boolean started(String containerId) {
    return probes.started(containerId);
  }

  @Override
  public boolean ready(String containerId) {
    return probes.ready(containerId);
  }
}
