package dev.sandboxd.containerd;

import containerd.services.sandbox.v1.Sandbox.StoreListRequest;
import containerd.services.sandbox.v1.StoreGrpc;
import io.grpc.Channel;
import java.util.List;

final class GrpcSandboxStore implements SandboxStore {
  private final StoreGrpc.StoreBlockingStub stub;

  GrpcSandboxStore(Channel channel) {
    this.stub = StoreGrpc.newBlockingStub(channel);
  }

  @Override
  public List<String> ids(String sandboxer) {
    // containerd's filter syntax cannot be trusted with a sandboxer name chosen by the operator: filter here.
    return Calls.call("list sandboxes", () -> stub.list(StoreListRequest.getDefaultInstance()).getListList().stream()
        .filter(s -> s.getSandboxer().equals(sandboxer))
        .map(containerd.types.SandboxOuterClass.Sandbox::getSandboxId)
        .toList());
  }
}
