package dev.sandboxd.image;

import dev.sandboxd.containerd.Transfers.ProgressListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Pulls images from registries, one pull per image at a time however many ask (single-flight). */
public interface ImagePuller {

  /**
   * Pulls the image on the puller's own threads; asking for an image already being pulled joins
   * that pull. The future fails with {@link PullFailure}. Never blocks the caller.
   *
   * @param pullSecrets the pod's imagePullSecrets (names of files in the secrets directory)
   * @param progress told of the pull's progress, also when joining one under way
   */
  CompletableFuture<ImageService.ImageSummary> pull(String reference, List<String> pullSecrets, ProgressListener progress);
}
