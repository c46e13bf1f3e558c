package dev.sandboxd.monitoring;

import dev.sandboxd.lifecycle.LifecycleEvent;
import dev.sandboxd.metrics.SandboxdMetrics;
import java.util.function.Consumer;

/** Turns lifecycle events into meter updates; subscribed to the event feed. */
public final class LifecycleMetrics implements Consumer<LifecycleEvent> {
  private final SandboxdMetrics metrics;

  public LifecycleMetrics(SandboxdMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void accept(LifecycleEvent event) {
    // pod is "namespace/name"; names cannot hold a slash
    int slash = event.pod().indexOf('/');
    String namespace = event.pod().substring(0, Math.max(slash, 0));
    String name = event.pod().substring(slash + 1);
    switch (event.type()) {
      case ContainerRestarted:
        metrics.containerRestarted(namespace, name, event.container());
        break;
      case ContainerExited:
        metrics.containerExited(event.reason());
        break;
      case ContainerOomKilled:
        metrics.oomKilled();
        break;
      case ProbeFailed:
        metrics.probeFailed(event.reason());
        break;
      case SandboxRemoved:
        metrics.podRemoved(namespace, name);
        break;
      default:
        break;
    }
  }
}
