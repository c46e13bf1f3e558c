package dev.sandboxd.spec;

import dev.sandboxd.image.ImageConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the pause container's spec depends on.
 *
 * @param podNamespace, podName, podUid the pod's identity, for CRI's annotations
 * @param cgroupsPath the pause container's cgroup (runc's cgroupsPath), "" for runc's default
 * @param hostname the pod's hostname, set in the pause UTS namespace that every container of the
 *     pod joins
 * @param netnsPath a network namespace to join instead of making a new one
 * @param oomScoreAdj {@link OciSpecs#PAUSE_OOM_SCORE_ADJ}, or what {@link
 *     OciSpecs#restrictOomScoreAdj} leaves of it where sandboxd may not lower scores
 */
public record PauseSpecInputs(
    String podNamespace,
    String podName,
    String podUid,
    String sandboxId,
    ImageConfig image,
    String cgroupsPath,
    String hostname,
    Optional<String> netnsPath,
    int oomScoreAdj) {

  public PauseSpecInputs {
    Objects.requireNonNull(podNamespace, "podNamespace");
    Objects.requireNonNull(podName, "podName");
    Objects.requireNonNull(podUid, "podUid");
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(cgroupsPath, "cgroupsPath");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(netnsPath, "netnsPath");
  }
}
