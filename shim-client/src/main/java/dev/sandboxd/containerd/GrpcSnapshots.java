package dev.sandboxd.containerd;

import containerd.services.snapshots.v1.SnapshotsGrpc;
import containerd.services.snapshots.v1.SnapshotsOuterClass.CommitSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.Info;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ListSnapshotsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.MountsRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.PrepareSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.RemoveSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.StatSnapshotRequest;
import containerd.services.snapshots.v1.SnapshotsOuterClass.ViewSnapshotRequest;
import dev.sandboxd.errdefs.GrpcErrors;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

final class GrpcSnapshots implements Snapshots {
  private final SnapshotsGrpc.SnapshotsBlockingStub stub;
  private final String snapshotter;
  private final Duration callTimeout;

  GrpcSnapshots(Channel channel, String snapshotter, Duration callTimeout) {
    this.stub = SnapshotsGrpc.newBlockingStub(channel);
    this.snapshotter = snapshotter;
    this.callTimeout = callTimeout;
  }

  @Override
  public String snapshotter() {
    return snapshotter;
  }

  @Override
  public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
    PrepareSnapshotRequest request =
        PrepareSnapshotRequest.newBuilder()
            .setSnapshotter(snapshotter)
            .setKey(key)
            .setParent(parent)
            .putAllLabels(labels)
            .build();
    return Calls.call(
        "prepare snapshot " + key + " in " + snapshotter, () -> Mount.fromProtos(stub.prepare(request).getMountsList()));
  }

  @Override
  public List<Mount> view(String key, String parent, Map<String, String> labels) {
    ViewSnapshotRequest request =
        ViewSnapshotRequest.newBuilder()
            .setSnapshotter(snapshotter)
            .setKey(key)
            .setParent(parent)
            .putAllLabels(labels)
            .build();
    return Calls.call(
        "view snapshot " + key + " in " + snapshotter, () -> Mount.fromProtos(stub.view(request).getMountsList()));
  }

  @Override
  public List<Mount> mounts(String key) {
    MountsRequest request = MountsRequest.newBuilder().setSnapshotter(snapshotter).setKey(key).build();
    return Calls.call(
        "mounts of snapshot " + key + " in " + snapshotter, () -> Mount.fromProtos(stub.mounts(request).getMountsList()));
  }

  @Override
  public void commit(String name, String key, Map<String, String> labels) {
    CommitSnapshotRequest request =
        CommitSnapshotRequest.newBuilder()
            .setSnapshotter(snapshotter)
            .setName(name)
            .setKey(key)
            .putAllLabels(labels)
            .build();
    Calls.run("commit snapshot " + key + " as " + name + " in " + snapshotter, () -> stub.commit(request));
  }

  @Override
  public void remove(String key) {
    RemoveSnapshotRequest request = RemoveSnapshotRequest.newBuilder().setSnapshotter(snapshotter).setKey(key).build();
    Calls.run("remove snapshot " + key + " in " + snapshotter, () -> stub.remove(request));
  }

  @Override
  public Optional<SnapshotInfo> stat(String key) {
    StatSnapshotRequest request = StatSnapshotRequest.newBuilder().setSnapshotter(snapshotter).setKey(key).build();
    try {
      return Optional.of(toInfo(stub.stat(request).getInfo()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw GrpcErrors.fromStatus("containerd: stat snapshot " + key + " in " + snapshotter, e);
    }
  }

  @Override
  public List<SnapshotInfo> list(String... filters) {
    ListSnapshotsRequest request =
        ListSnapshotsRequest.newBuilder().setSnapshotter(snapshotter).addAllFilters(Arrays.asList(filters)).build();
    return Calls.call(
        Calls.withFilters("list snapshots in " + snapshotter, filters),
        () -> {
          List<SnapshotInfo> infos = new ArrayList<>();
          stub.withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS)
              .list(request)
              .forEachRemaining(r -> r.getInfoList().forEach(i -> infos.add(toInfo(i))));
          return infos;
        });
  }

  private static SnapshotInfo toInfo(Info i) {
    SnapshotInfo.Kind kind =
        switch (i.getKind()) {
          case VIEW -> SnapshotInfo.Kind.VIEW;
          case ACTIVE -> SnapshotInfo.Kind.ACTIVE;
          case COMMITTED -> SnapshotInfo.Kind.COMMITTED;
          default -> SnapshotInfo.Kind.UNKNOWN;
        };
    return new SnapshotInfo(
        i.getName(),
        i.getParent(),
        kind,
        i.getLabelsMap(),
        ProtoTimestamps.toInstant(i.getCreatedAt()),
        ProtoTimestamps.toInstant(i.getUpdatedAt()));
  }
}
