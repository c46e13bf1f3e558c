package dev.sandboxd.runtime;

/** Labels on every containerd object sandboxd creates, so containerd alone says what is whose. */
public final class Labels {
  /** "namespace/name" of the pod. */
  public static final String POD = "sandboxd.pod";

  public static final String POD_UID = "sandboxd.pod-uid";
  /** pause, init or app. */
  public static final String ROLE = "sandboxd.role";

  public static final String CONTAINER_NAME = "sandboxd.container";
  public static final String SANDBOX_ID = "sandboxd.sandbox-id";

  public static final String ROLE_PAUSE = "pause";
  public static final String ROLE_APP = "app";
  public static final String ROLE_INIT = "init";

  private Labels() {}
}
