package dev.sandboxd.probe;

import dev.sandboxd.pod.Supervision;

/** The probes of running containers: started when a container starts, stopped when it ends. */
public interface ContainerProbes extends ContainerReadiness {

  /** No probes at all: every running container is started and ready. */
  ContainerProbes NONE = new ContainerProbes() {
    @Override
    public void start(String podUid, String containerName, String containerId, int pausePid, Supervision supervision) {}

    @Override
    public void stop(String containerId) {}

    @Override
    public void stopAll(String podUid) {}

    @Override
    public boolean started(String containerId) {
      return true;
    }

    @Override
    public boolean ready(String containerId) {
      return true;
    }
  };

  void start(String podUid, String containerName, String containerId, int pausePid, Supervision supervision);

  void stop(String containerId);

  void stopAll(String podUid);
}
