package dev.sandboxd.spec;

import dev.sandboxd.image.ImageConfig;
import dev.sandboxd.pod.Pod;
import java.util.Objects;

/**
 * Everything the pause container's spec depends on.
 *
 * @param cgroupsPath the pause container's cgroup (runc's cgroupsPath), "" for runc's default
 * @param hostname the pod's hostname (spec.hostname, else the pod name), set in the pause UTS
 *     namespace that every container of the pod joins
 * @param oomScoreAdj {@link OciSpecs#PAUSE_OOM_SCORE_ADJ}, or what {@link
 *     OciSpecs#restrictOomScoreAdj} leaves of it where sandboxd may not lower scores
 */
public record PauseSpecInputs(
    Pod pod, String sandboxId, ImageConfig image, String cgroupsPath, String hostname, int oomScoreAdj) {

  public PauseSpecInputs {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(cgroupsPath, "cgroupsPath");
    Objects.requireNonNull(hostname, "hostname");
  }
}
