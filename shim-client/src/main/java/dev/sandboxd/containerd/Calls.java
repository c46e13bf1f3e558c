package dev.sandboxd.containerd;

import dev.sandboxd.errdefs.GrpcErrors;
import io.grpc.StatusRuntimeException;
import java.util.function.Supplier;

/** Runs one blocking gRPC call and turns its failure into a SandboxdException naming the work. */
final class Calls {
  private Calls() {}

  /** {@code what} reads like "create task p1-app"; the error message gets "containerd: " in front. */
  static <T> T call(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.fromStatus("containerd: " + what, e);
    }
  }

  /** "list containers" plus its filters, if any, for error messages. */
  static String withFilters(String what, String... filters) {
    return filters.length == 0 ? what : what + " " + String.join(" ", filters);
  }

  static void run(String what, Runnable call) {
    call(
        what,
        () -> {
          call.run();
          return null;
        });
  }
}
