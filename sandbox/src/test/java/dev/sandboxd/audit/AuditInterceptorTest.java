package dev.sandboxd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.api.v1.AttachedExecRequest;
import dev.sandboxd.api.v1.ExecRequest;
import dev.sandboxd.api.v1.Image;
import dev.sandboxd.api.v1.ImportImageResponse;
import dev.sandboxd.api.v1.ObjectMeta;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodRef;
import dev.sandboxd.api.v1.PortForwardRequest;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.api.v1.RunPodResponse;
import dev.sandboxd.api.v1.StopPodRequest;
import io.grpc.Status;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuditInterceptorTest {

  @Test
  void requestsNameThePodTheyReferTo() {
    assertEquals(Optional.of("pod=default/web"),
        AuditInterceptor.describe(StopPodRequest.newBuilder().setPod(PodRef.newBuilder().setRef("default/web")).build()));
    assertEquals(Optional.of("pod=web container=app"), AuditInterceptor.describe(
        ExecRequest.newBuilder().setPod(PodRef.newBuilder().setRef("web")).setContainer("app").addCommand("ls").build()));
  }

  @Test
  void attachedExecAndPortForwardArePrivilegedAndNamedByTheirFirstRequest() {
    assertEquals(true, AuditInterceptor.MUTATING.containsAll(java.util.List.of("AttachedExec", "PortForward")));
    assertEquals(Optional.of("pod=web container=app"), AuditInterceptor.describe(AttachedExecRequest.newBuilder()
        .setPod(PodRef.newBuilder().setRef("web")).setContainer("app").addCommand("sh").setTty(true).build()));
    assertEquals(Optional.of("pod=default/web"), AuditInterceptor.describe(
        PortForwardRequest.newBuilder().setPod(PodRef.newBuilder().setRef("default/web")).setPort(8080).build()));
    // Later messages carry only data: the first one's name stays.
    assertEquals(Optional.empty(), AuditInterceptor.describe(PortForwardRequest.newBuilder().setData(
        com.google.protobuf.ByteString.copyFromUtf8("GET / HTTP/1.0")).build()));
  }

  @Test
  void runIsNamedByThePodItReturns() {
    assertEquals(Optional.empty(), AuditInterceptor.describe(RunPodRequest.newBuilder().setManifest("kind: Pod").build()));
    RunPodResponse response = RunPodResponse.newBuilder()
        .setPod(Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("web"))).build();
    assertEquals(Optional.of("pod=team/web"), AuditInterceptor.describe(response));
  }

  @Test
  void importsAreNamedByTheirImages() {
    ImportImageResponse response = ImportImageResponse.newBuilder()
        .addImages(Image.newBuilder().setName("a:1")).addImages(Image.newBuilder().setName("b:2")).build();
    assertEquals(Optional.of("image=a:1,b:2"), AuditInterceptor.describe(response));
  }

  @Test
  void oneLineWithWhoWhatWhichAndOutcome() {
    assertEquals("audit: uid=1000 gid=100 pid=42 StopPod pod=web -> OK",
        AuditInterceptor.line(Optional.of(new Peer(42, 1000, 100)), "StopPod", Optional.of("pod=web"), Status.OK));
    assertEquals("audit: uid=? gid=? pid=? RunPod - -> INVALID_ARGUMENT: metadata.name: required",
        AuditInterceptor.line(Optional.empty(), "RunPod", Optional.empty(),
            Status.INVALID_ARGUMENT.withDescription("metadata.name: required")));
  }

  /** A reference with a newline must not forge a second audit line (found in review). */
  @Test
  void controlCharactersInRequestsCannotForgeALine() {
    String forged = AuditInterceptor.line(Optional.of(new Peer(42, 1000, 100)), "PullImage",
        Optional.of("image=x\nINFO: audit: uid=0 gid=0 pid=1 RemovePod pod=default/db -> OK"),
        Status.INVALID_ARGUMENT.withDescription("bad\rreference"));
    assertEquals("audit: uid=1000 gid=100 pid=42 PullImage image=x\\x0aINFO: audit: uid=0 gid=0 pid=1 RemovePod "
        + "pod=default/db -> OK -> INVALID_ARGUMENT: bad\\x0dreference", forged);
  }
}
