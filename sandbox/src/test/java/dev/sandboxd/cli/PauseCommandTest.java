package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.PausePodRequest;
import dev.sandboxd.api.v1.PausePodResponse;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.UnpausePodRequest;
import dev.sandboxd.api.v1.UnpausePodResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pause and unpause are one class under two names: each name calls its own RPC and says what it did. */
class PauseCommandTest {
  @TempDir Path dir;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private FakeSandboxd sandboxd;

  @BeforeEach
  void startFakeSandboxd() throws Exception {
    sandboxd = new FakeSandboxd(dir, new PodsGrpc.PodsImplBase() {
      @Override
      public void pausePod(PausePodRequest request, StreamObserver<PausePodResponse> response) {
        calls.add("pause " + request.getPod().getRef());
        response.onNext(PausePodResponse.getDefaultInstance());
        response.onCompleted();
      }

      @Override
      public void unpausePod(UnpausePodRequest request, StreamObserver<UnpausePodResponse> response) {
        calls.add("unpause " + request.getPod().getRef());
        response.onNext(UnpausePodResponse.getDefaultInstance());
        response.onCompleted();
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    sandboxd.close();
  }

  @Test
  void pauseFreezesAndUnpauseThawsThePodNamed() {
    assertEquals("pod web paused\n", sandboxctl("pause", "web"));
    assertEquals("pod default/db unpaused\n", sandboxctl("unpause", "default/db"));
    assertEquals(List.of("pause web", "unpause default/db"), calls);
  }

  @Test
  void helpListsBothNamesWithTheirOwnDescriptionsInPlace() {
    String help = sandboxctl("--help");
    int pause = help.indexOf("  pause ");
    int unpause = help.indexOf("  unpause ");
    assertTrue(pause > help.indexOf("  stats ") && unpause > pause && help.indexOf("  image ") > unpause, help);
    assertTrue(help.contains("Freezes every process of a pod"), help);
    assertTrue(help.contains("Thaws a paused pod."), help);
  }

  private String sandboxctl(String... args) {
    FakeSandboxd.Result r = sandboxd.sandboxctl(args);
    assertEquals(0, r.code(), r.err());
    return r.out();
  }
}
