package dev.sandboxd.probe;

/** Probe results as container status needs them: whether a running container has started and is ready. */
public interface ContainerReadiness {

  boolean started(String containerId);

  boolean ready(String containerId);
}
