package dev.sandboxd.containerd;

import containerd.services.diff.v1.DiffGrpc;
import containerd.services.diff.v1.DiffOuterClass.ApplyRequest;
import io.grpc.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

final class GrpcDiffs implements Diffs {
  private final DiffGrpc.DiffBlockingStub stub;
  private final Duration transferTimeout;

  GrpcDiffs(Channel channel, Duration transferTimeout) {
    this.stub = DiffGrpc.newBlockingStub(channel);
    this.transferTimeout = transferTimeout;
  }

  @Override
  public Descriptor apply(Descriptor layer, List<Mount> mounts) {
    ApplyRequest request =
        ApplyRequest.newBuilder().setDiff(layer.toProto()).addAllMounts(Mount.toProtos(mounts)).build();
    return Calls.call(
        "apply layer " + layer.digest(),
        () ->
            Descriptor.fromProto(
                stub.withDeadlineAfter(transferTimeout.toNanos(), TimeUnit.NANOSECONDS)
                    .apply(request)
                    .getApplied()));
  }
}
