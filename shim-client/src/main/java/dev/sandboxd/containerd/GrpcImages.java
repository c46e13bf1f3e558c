package dev.sandboxd.containerd;

import com.google.protobuf.FieldMask;
import containerd.services.images.v1.ImagesGrpc;
import containerd.services.images.v1.ImagesOuterClass.CreateImageRequest;
import containerd.services.images.v1.ImagesOuterClass.DeleteImageRequest;
import containerd.services.images.v1.ImagesOuterClass.GetImageRequest;
import containerd.services.images.v1.ImagesOuterClass.Image;
import containerd.services.images.v1.ImagesOuterClass.ListImagesRequest;
import containerd.services.images.v1.ImagesOuterClass.UpdateImageRequest;
import io.grpc.Channel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

final class GrpcImages implements Images {
  private final ImagesGrpc.ImagesBlockingStub stub;

  GrpcImages(Channel channel) {
    this.stub = ImagesGrpc.newBlockingStub(channel);
  }

  @Override
  public ImageRecord create(String name, Descriptor target, Map<String, String> labels) {
    Image image = Image.newBuilder().setName(name).setTarget(target.toProto()).putAllLabels(labels).build();
    CreateImageRequest request = CreateImageRequest.newBuilder().setImage(image).build();
    return Calls.call("create image " + name, () -> toRecord(stub.create(request).getImage()));
  }

  @Override
  public ImageRecord update(String name, Descriptor target, Map<String, String> labels) {
    Image.Builder image = Image.newBuilder().setName(name).setTarget(target.toProto());
    FieldMask.Builder mask = FieldMask.newBuilder().addPaths("target");
    if (labels != null) {
      image.putAllLabels(labels);
      mask.addPaths("labels");
    }
    UpdateImageRequest request = UpdateImageRequest.newBuilder().setImage(image).setUpdateMask(mask).build();
    return Calls.call("update image " + name, () -> toRecord(stub.update(request).getImage()));
  }

  @Override
  public ImageRecord get(String name) {
    GetImageRequest request = GetImageRequest.newBuilder().setName(name).build();
    return Calls.call("get image " + name, () -> toRecord(stub.get(request).getImage()));
  }

  @Override
  public List<ImageRecord> list(String... filters) {
    ListImagesRequest request = ListImagesRequest.newBuilder().addAllFilters(Arrays.asList(filters)).build();
    return Calls.call(
        Calls.withFilters("list images", filters),
        () -> stub.list(request).getImagesList().stream().map(GrpcImages::toRecord).toList());
  }

  @Override
  public void delete(String name, boolean sync) {
    DeleteImageRequest request = DeleteImageRequest.newBuilder().setName(name).setSync(sync).build();
    Calls.run("delete image " + name, () -> stub.delete(request));
  }

  private static ImageRecord toRecord(Image i) {
    return new ImageRecord(
        i.getName(),
        i.getLabelsMap(),
        Descriptor.fromProto(i.getTarget()),
        ProtoTimestamps.toInstant(i.getCreatedAt()),
        ProtoTimestamps.toInstant(i.getUpdatedAt()));
  }
}
