package dev.sandboxd.daemon;

import dev.sandboxd.image.ImageService;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.supervisor.TaskEventHandler;
import java.time.Instant;

/** containerd's image events made into forgotten resolutions, so a cached image is never stale. */
final class ImageNameEvents implements TaskEventHandler {
  private final ImageService images;
  private final PauseImage pause;

  ImageNameEvents(ImageService images, PauseImage pause) {
    this.images = images;
    this.pause = pause;
  }

  @Override
  public void imageChanged(String name) {
    images.forget(name);
    if (name.equals(pause.reference())) {
      pause.invalidate();
    }
  }

  @Override
  public void streamStarted() {
    images.forgetAll();
    pause.invalidate();
  }

  @Override
  public void taskExited(String containerId, int exitCode, Instant exitedAt) {}

  @Override
  public void taskOomKilled(String containerId) {}
}
