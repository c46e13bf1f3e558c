package dev.sandboxd.containerd;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import containerd.services.containers.v1.ContainersGrpc;
import containerd.services.containers.v1.ContainersOuterClass.Container;
import containerd.services.containers.v1.ContainersOuterClass.CreateContainerRequest;
import containerd.services.containers.v1.ContainersOuterClass.DeleteContainerRequest;
import containerd.services.containers.v1.ContainersOuterClass.GetContainerRequest;
import containerd.services.containers.v1.ContainersOuterClass.ListContainersRequest;
import containerd.services.containers.v1.ContainersOuterClass.UpdateContainerRequest;
import io.grpc.Channel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

final class GrpcContainers implements Containers {
  private final ContainersGrpc.ContainersBlockingStub stub;

  GrpcContainers(Channel channel) {
    this.stub = ContainersGrpc.newBlockingStub(channel);
  }

  @Override
  public ContainerMetadata create(NewContainer c) {
    Container.Builder container =
        Container.newBuilder()
            .setId(c.id())
            .setImage(c.image())
            .putAllLabels(c.labels())
            .setRuntime(Container.Runtime.newBuilder().setName(c.runtime()))
            .setSpec(
                Any.newBuilder()
                    .setTypeUrl(SPEC_TYPE_URL)
                    .setValue(ByteString.copyFrom(c.specJson())))
            .setSnapshotter(c.snapshotter())
            .setSnapshotKey(c.snapshotKey())
            .setSandbox(c.sandboxId());
    CreateContainerRequest request = CreateContainerRequest.newBuilder().setContainer(container).build();
    return Calls.call("create container " + c.id(), () -> toMetadata(stub.create(request).getContainer()));
  }

  @Override
  public ContainerMetadata get(String id) {
    GetContainerRequest request = GetContainerRequest.newBuilder().setId(id).build();
    return Calls.call("get container " + id, () -> toMetadata(stub.get(request).getContainer()));
  }

  @Override
  public List<ContainerMetadata> list(String... filters) {
    ListContainersRequest request =
        ListContainersRequest.newBuilder().addAllFilters(Arrays.asList(filters)).build();
    return Calls.call(
        Calls.withFilters("list containers", filters),
        () -> stub.list(request).getContainersList().stream().map(GrpcContainers::toMetadata).toList());
  }

  @Override
  public void delete(String id) {
    DeleteContainerRequest request = DeleteContainerRequest.newBuilder().setId(id).build();
    Calls.run("delete container " + id, () -> stub.delete(request));
  }

  @Override
  public ContainerMetadata updateLabels(String id, Map<String, String> labels) {
    FieldMask.Builder mask = FieldMask.newBuilder();
    labels.keySet().forEach(key -> mask.addPaths("labels." + key));
    UpdateContainerRequest request =
        UpdateContainerRequest.newBuilder()
            .setContainer(Container.newBuilder().setId(id).putAllLabels(labels))
            .setUpdateMask(mask)
            .build();
    return Calls.call("update labels of container " + id, () -> toMetadata(stub.update(request).getContainer()));
  }

  static ContainerMetadata toMetadata(Container c) {
    return new ContainerMetadata(
        c.getId(),
        c.getImage(),
        c.getLabelsMap(),
        c.getRuntime().getName(),
        c.getSpec().getValue().toByteArray(),
        c.getSnapshotter(),
        c.getSnapshotKey(),
        c.getSandbox(),
        ProtoTimestamps.toInstant(c.getCreatedAt()),
        ProtoTimestamps.toInstant(c.getUpdatedAt()));
  }
}
