package dev.sandboxd.containerd;

import containerd.services.leases.v1.LeasesGrpc;
import containerd.services.leases.v1.LeasesOuterClass.CreateRequest;
import containerd.services.leases.v1.LeasesOuterClass.DeleteRequest;
import containerd.services.leases.v1.LeasesOuterClass.ListRequest;
import io.grpc.Channel;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

final class GrpcLeases implements Leases {
  private final LeasesGrpc.LeasesBlockingStub stub;
  private final Clock clock;
  private final Random random = new SecureRandom();

  GrpcLeases(Channel channel, Clock clock) {
    this.stub = LeasesGrpc.newBlockingStub(channel);
    this.clock = clock;
  }

  @Override
  public Lease create(String id, Map<String, String> labels, Duration expiry) {
    String leaseId = id != null ? id : randomId();
    Map<String, String> all = new HashMap<>(labels);
    all.put(EXPIRE_LABEL, Leases.expireLabelValue(clock.instant(), expiry));
    CreateRequest request = CreateRequest.newBuilder().setId(leaseId).putAllLabels(all).build();
    return Calls.call("create lease " + leaseId, () -> toLease(stub.create(request).getLease()));
  }

  @Override
  public void delete(String id, boolean sync) {
    DeleteRequest request = DeleteRequest.newBuilder().setId(id).setSync(sync).build();
    Calls.run("delete lease " + id, () -> stub.delete(request));
  }

  @Override
  public List<Lease> list(String... filters) {
    ListRequest request = ListRequest.newBuilder().addAllFilters(Arrays.asList(filters)).build();
    return Calls.call(
        Calls.withFilters("list leases", filters),
        () -> stub.list(request).getLeasesList().stream().map(GrpcLeases::toLease).toList());
  }

  // Like leases.WithRandomID: the time makes it readable, the random part unique.
  private String randomId() {
    byte[] b = new byte[6];
    random.nextBytes(b);
    return "sandboxd-" + clock.millis() + "-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static Lease toLease(containerd.services.leases.v1.LeasesOuterClass.Lease l) {
    return new Lease(l.getId(), ProtoTimestamps.toInstant(l.getCreatedAt()), l.getLabelsMap());
  }
}
