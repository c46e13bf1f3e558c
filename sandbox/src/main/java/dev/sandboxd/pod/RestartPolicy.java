package dev.sandboxd.pod;

/** spec.restartPolicy; the names are the manifest's spelling. */
public enum RestartPolicy {
  Always,
  OnFailure,
  Never
}
