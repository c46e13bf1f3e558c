package dev.sandboxd.containerd;

import java.util.List;
import java.util.Map;

/** containerd's container records: metadata only; a container runs through its {@link Tasks task}. */
public interface Containers {
  /** The runc shim, containerd's default runtime on Linux. */
  String RUNC_RUNTIME = "io.containerd.runc.v2";
  /** Type URL containerd gives an OCI runtime spec (JSON) inside a protobuf Any. */
  String SPEC_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

  ContainerMetadata create(NewContainer container);

  /** @throws dev.sandboxd.errdefs.SandboxdException.NotFound if there is no such container */
  ContainerMetadata get(String id);

  /**
   * Containers matching any of the filters (containerd filter syntax, e.g.
   * {@code labels."sandboxd.pod"==web-1}); all containers of the namespace when none are given.
   */
  List<ContainerMetadata> list(String... filters);

  void delete(String id);

  /** Sets the given labels, leaving others alone; a label with an empty value is removed. */
  ContainerMetadata updateLabels(String id, Map<String, String> labels);
}
