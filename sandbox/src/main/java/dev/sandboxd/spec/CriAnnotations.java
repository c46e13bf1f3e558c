package dev.sandboxd.spec;

/**
 * The annotations CRI puts on every spec, under the same keys, so tools that know containerd's
 * CRI pods (and runc's shim) read sandboxd's the same way.
 */
public final class CriAnnotations {

  public static final String CONTAINER_TYPE = "io.kubernetes.cri.container-type";
  public static final String CONTAINER_TYPE_SANDBOX = "sandbox";
  public static final String CONTAINER_TYPE_CONTAINER = "container";
  public static final String SANDBOX_ID = "io.kubernetes.cri.sandbox-id";
  public static final String SANDBOX_NAME = "io.kubernetes.cri.sandbox-name";
  public static final String SANDBOX_NAMESPACE = "io.kubernetes.cri.sandbox-namespace";
  public static final String SANDBOX_UID = "io.kubernetes.cri.sandbox-uid";
  public static final String CONTAINER_NAME = "io.kubernetes.cri.container-name";
  public static final String IMAGE_NAME = "io.kubernetes.cri.image-name";

  /** Tasks with the same value share one containerd-shim-runc-v2 process: one shim per pod. */
  public static final String RUNC_SHIM_GROUP = "io.containerd.runc.v2.group";

  private CriAnnotations() {}
}
