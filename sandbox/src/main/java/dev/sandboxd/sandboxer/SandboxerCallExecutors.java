package dev.sandboxd.sandboxer;

import containerd.services.sandbox.v1.ControllerGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Where each sandbox controller call runs, for a server whose own executor is the transport's
 * thread (direct). Status, Platform and Wait answer from memory and are containerd's hot path:
 * CRI makes six of them for every pod it starts (Status for each container event and each
 * CreateContainer, Platform for each CreateContainer). On the transport's thread they save two
 * thread hand-offs each (to a pool thread and back to the transport for the reply), milliseconds
 * apiece on a busy node (Status's one slow path, the pod files written again after a containerd
 * restart deleted them, is a few small files and a mount, once per sandbox). Every other call may
 * block on containerd, runc or the file system and
 * runs on the pool, as does every call until sandboxd has recovered its sandboxes (until then
 * calls wait).
 */
public final class SandboxerCallExecutors implements ServerCallExecutorSupplier {
  static final Set<String> FROM_MEMORY = Set.of(
      ControllerGrpc.getStatusMethod().getFullMethodName(),
      ControllerGrpc.getPlatformMethod().getFullMethodName(),
      ControllerGrpc.getWaitMethod().getFullMethodName());

  private final CompletableFuture<?> ready;
  private final Executor blocking;

  /**
   * @param ready completes once the sandboxes are recovered (as {@link SandboxerService}'s)
   * @param blocking the pool for calls that may block
   */
  public SandboxerCallExecutors(CompletableFuture<?> ready, Executor blocking) {
    this.ready = ready;
    this.blocking = blocking;
  }

  /** null: the server's own (direct) executor. */
  @Override
  public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
    boolean fromMemory = FROM_MEMORY.contains(call.getMethodDescriptor().getFullMethodName());
    return fromMemory && ready.isDone() ? null : blocking;
  }
}
