package dev.sandboxd.sandboxer;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import containerd.services.sandbox.v1.ControllerGrpc;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class SandboxerCallExecutorsTest {
  private final CompletableFuture<Object> ready = new CompletableFuture<>();
  private final Executor pool = Runnable::run;
  private final SandboxerCallExecutors executors = new SandboxerCallExecutors(ready, pool);

  @Test
  void callsAnsweredFromMemoryStayOnTheTransportThreadOnceRecovered() {
    ready.complete(new Object());
    assertNull(executors.getExecutor(call(ControllerGrpc.getStatusMethod()), new Metadata()));
    assertNull(executors.getExecutor(call(ControllerGrpc.getPlatformMethod()), new Metadata()));
    assertNull(executors.getExecutor(call(ControllerGrpc.getWaitMethod()), new Metadata()));
  }

  @Test
  void callsThatMayBlockRunOnThePool() {
    ready.complete(new Object());
    assertSame(pool, executors.getExecutor(call(ControllerGrpc.getCreateMethod()), new Metadata()));
    assertSame(pool, executors.getExecutor(call(ControllerGrpc.getStartMethod()), new Metadata()));
    assertSame(pool, executors.getExecutor(call(ControllerGrpc.getStopMethod()), new Metadata()));
    assertSame(pool, executors.getExecutor(call(ControllerGrpc.getShutdownMethod()), new Metadata()));
    assertSame(pool, executors.getExecutor(call(ControllerGrpc.getMetricsMethod()), new Metadata()));
  }

  @Test
  void beforeRecoveryEveryCallWaitsOnThePool() {
    assertSame(pool, executors.getExecutor(call(ControllerGrpc.getStatusMethod()), new Metadata()));
    assertSame(pool, executors.getExecutor(call(ControllerGrpc.getWaitMethod()), new Metadata()));
  }

  private static <Q, R> ServerCall<Q, R> call(MethodDescriptor<Q, R> method) {
    return new ServerCall<>() {
      @Override
      public void request(int numMessages) {}

      @Override
      public void sendHeaders(Metadata headers) {}

      @Override
      public void sendMessage(R message) {}

      @Override
      public void close(Status status, Metadata trailers) {}

      @Override
      public boolean isCancelled() {
        return false;
      }

      @Override
      public Attributes getAttributes() {
        return Attributes.EMPTY;
      }

      @Override
      public MethodDescriptor<Q, R> getMethodDescriptor() {
        return method;
      }
    };
  }
}
