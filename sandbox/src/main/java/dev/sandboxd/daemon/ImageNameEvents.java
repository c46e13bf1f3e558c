package dev.sandboxd.daemon;

import dev.sandboxd.image.ImageService;
import dev.sandboxd.supervisor.TaskEventHandler;
import java.time.Instant;

/**
 * containerd's image events made into forgotten resolutions, so a cached image is never stale
 * (the pause image included: PauseImage checks what its name resolves to before every pod).
 */
final class ImageNameEvents implements TaskEventHandler {
  private final ImageService images;

  ImageNameEvents(ImageService images) {
    this.images = images;
  }

  @Override
  public void imageChanged(String name) {
    images.forget(name);
  }

  @Override
  public void streamStarted() {
    images.forgetAll();
  }

  @Override
  public void taskExited(String containerId, int exitCode, Instant exitedAt) {}

  @Override
  public void taskOomKilled(String containerId) {}
}
