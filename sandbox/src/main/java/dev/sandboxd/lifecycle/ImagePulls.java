package dev.sandboxd.lifecycle;

import dev.sandboxd.containerd.Transfers.ProgressListener;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.ImagePuller;
import dev.sandboxd.image.ImageService;
import dev.sandboxd.lifecycle.LifecycleEvent.Type;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.ImagePullPolicy;
import dev.sandboxd.state.PodRecord.ContainerRecord;
import dev.sandboxd.supervisor.RestartBackOff;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * Whether a container's image is there to create it, as kubelet's image manager decides: by the
 * container's imagePullPolicy, pulling (on the puller's threads, never the pod's worker) when it
 * asks, with kubelet's image back-off after a failure. The container waits meanwhile
 * (ContainerCreating, then ErrImagePull, ImagePullBackOff or ErrImageNeverPull) and the pod's
 * worker is asked to go on once the image is there or the back-off is over.
 */
final class ImagePulls {
  /**
   * Why a container waits for its image.
   *
   * @param failedAt when the last pull failed (null while the first pull runs)
   * @param retryAt when it is tried again (null while a pull runs)
   */
  record ImageWait(String reason, String message, Instant failedAt, Instant retryAt, RestartBackOff.State backOff,
      boolean pulling) {}

  private final PodDependencies deps;
  private volatile ImagePuller puller;
  private volatile ImageService images;
  private volatile RestartBackOff backOff = RestartBackOff.KUBELET;

  ImagePulls(PodDependencies deps) {
    this.deps = deps;
  }

  /** Turns pulls on; without them an image must be in the store already (as before pulls existed). */
  void use(ImagePuller puller, ImageService images, RestartBackOff backOff) {
    this.images = images;
    this.backOff = backOff;
    this.puller = puller;
  }

  boolean enabled() {
    return puller != null;
  }

  /**
   * True when c's current run may be created now. Otherwise c waits and {@code resume} runs on
   * the pod's worker once the image is there or it is time to try again.
   */
  boolean ready(PodEntry entry, Container c, Runnable resume) {
    if (puller == null) {
      return true;
    }
    ContainerRecord cr = entry.record.container(c.name());
    if (entry.pulledRuns.contains(cr.containerId())) {
      return true;
    }
    ImageWait wait = entry.imageWaits.get(c.name());
    Instant now = deps.scheduler().now();
    if (wait != null && (wait.pulling() || now.isBefore(wait.retryAt()))) {
      return false;
    }
    boolean present = present(c.image());
    if (present && c.imagePullPolicy() != ImagePullPolicy.Always) {
      return done(entry, c, cr);
    }
    if (c.imagePullPolicy() == ImagePullPolicy.Never) {
      failed(entry, c, wait, "ErrImageNeverPull",
          "Container image \"" + c.image() + "\" is not present with pull policy of Never", resume);
      return false;
    }
    entry.imageWaits.put(c.name(), new ImageWait(wait == null ? "ContainerCreating" : "ErrImagePull".equals(wait.reason()) ? "ImagePullBackOff" : wait.reason(),
        "pulling image " + c.image(), wait == null ? null : wait.failedAt(), null, wait == null ? null : wait.backOff(), true));
    puller.pull(c.image(), entry.pod.spec().imagePullSecrets(), ProgressListener.NONE)
        .whenComplete((summary, error) -> entry.worker.execute(() -> {
          if (entry.gone) {
            return;
          }
          if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            failed(entry, c, wait, "ErrImagePull", cause.getMessage(), resume);
            return;
          }
          entry.imageWaits.remove(c.name());
          entry.pulledRuns.add(cr.containerId());
          resume.run();
        }));
    return false;
  }

  private boolean done(PodEntry entry, Container c, ContainerRecord cr) {
    entry.imageWaits.remove(c.name());
    entry.pulledRuns.add(cr.containerId());
    return true;
  }

  private boolean present(String image) {
    try {
      images.resolve(image);
      return true;
    } catch (SandboxdException.NotFound e) {
      return false;
    }
  }

  /** Records the failure and tries again after kubelet's back-off (10 s doubling up to 5 min by default). */
  private void failed(PodEntry entry, Container c, ImageWait before, String reason, String message, Runnable resume) {
    Instant now = deps.scheduler().now();
    RestartBackOff.State next = backOff.restarted(Optional.ofNullable(before).map(ImageWait::backOff), now);
    entry.imageWaits.put(c.name(), new ImageWait(reason, message, now, now.plus(next.delay()), next, false));
    deps.publish(entry, c.name(), Type.ContainerBackOff, reason, message + "; next try in " + next.delay().toSeconds() + "s");
    deps.scheduler().schedule(next.delay(), () -> entry.worker.execute(() -> {
      if (!entry.gone) {
        resume.run();
      }
    }));
  }

  /**
   * What a waiting container shows: ErrImagePull for the first half of the back-off, then
   * ImagePullBackOff until the next try (kubelet shows the error until its next sync of the pod).
   */
  Optional<ContainerStatus.Waiting> waiting(PodEntry entry, String container, Instant now) {
    ImageWait wait = entry.imageWaits.get(container);
    if (wait == null) {
      return Optional.empty();
    }
    if (!wait.pulling() && wait.reason().equals("ErrImagePull")
        && !now.isBefore(wait.failedAt().plus(Duration.between(wait.failedAt(), wait.retryAt()).dividedBy(2)))) {
      return Optional.of(new ContainerStatus.Waiting("ImagePullBackOff", "Back-off pulling image: " + wait.message()));
    }
    return Optional.of(new ContainerStatus.Waiting(wait.reason(), wait.message()));
  }
}
