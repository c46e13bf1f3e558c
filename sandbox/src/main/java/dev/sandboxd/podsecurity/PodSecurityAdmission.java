package dev.sandboxd.podsecurity;

import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.lifecycle.ForwardingPodLifecycle;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodManifests;
import java.util.List;

/**
 * Enforces a Pod Security Standards level on the pods run through it, before anything of them is
 * created: a pod that violates a rule is refused with InvalidArgument naming every violated rule.
 * A decorator, so that the API and the static-pod directory can each have their own level.
 */
public final class PodSecurityAdmission extends ForwardingPodLifecycle {
  private final PodManifests manifests;
  private final PodSecurityLevel level;
  private final String setting;

  /** @param setting the flag that chose the level, for the message (e.g. --pod-security) */
  public PodSecurityAdmission(PodLifecycle pods, PodManifests manifests, PodSecurityLevel level, String setting) {
    super(pods);
    this.manifests = manifests;
    this.level = level;
    this.setting = setting;
  }

  /** The decorator, or pods itself at level privileged (which checks nothing). */
  public static PodLifecycle enforcing(PodLifecycle pods, PodManifests manifests, PodSecurityLevel level, String setting) {
    return level == PodSecurityLevel.privileged ? pods : new PodSecurityAdmission(pods, manifests, level, setting);
  }

  @Override
  public RunResult run(String manifest, boolean lenient) {
    Pod pod = manifests.parse(manifest, lenient).pod();
    List<PodSecurityStandards.Violation> violations = PodSecurityStandards.check(pod, level);
    if (!violations.isEmpty()) {
      throw SandboxdException.invalidArgument("pod %s %s (this node enforces %s=%s)",
          pod.fullName(), PodSecurityStandards.message(level, violations), setting, level);
    }
    return pods.run(manifest, lenient);
  }
}
