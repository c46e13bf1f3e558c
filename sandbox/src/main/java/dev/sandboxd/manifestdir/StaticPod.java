package dev.sandboxd.manifestdir;

/**
 * A pod that a file of the manifest directory asks for.
 *
 * @param file the file's name in the directory
 * @param hash sha256 of the manifest as sandboxd reads it, so a reformatted file or a changed
 *     comment is no change, and a changed field is
 * @param fullName the pod's "namespace/name"
 * @param manifest what is run: the file's manifest as JSON, marked with {@link #SOURCE} and {@link #HASH}
 */
public record StaticPod(String file, String hash, String fullName, String manifest) {

  /** Marks a pod as run from a file of the manifest directory: the file's name. */
  public static final String SOURCE = "sandboxd.dev/static-pod-source";
  /** The {@link #hash} of the manifest the pod was run from. */
  public static final String HASH = "sandboxd.dev/static-pod-hash";
}
