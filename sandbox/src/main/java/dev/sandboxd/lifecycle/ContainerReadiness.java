package dev.sandboxd.lifecycle;

/**
 * Probe results as container status needs them. Without probes a running container is started
 * and ready; the probe manager answers for containers that have probes.
 */
public interface ContainerReadiness {
  ContainerReadiness RUNNING_IS_READY = new ContainerReadiness() {
    @Override
    public boolean started(String containerId) {
      return true;
    }

    @Override
    public boolean ready(String containerId) {
      return true;
    }
  };

  boolean started(String containerId);

  boolean ready(String containerId);
}
