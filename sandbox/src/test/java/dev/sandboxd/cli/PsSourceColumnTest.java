package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.ObjectMeta;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodStatus;
import dev.sandboxd.api.v1.SandboxStatus;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PsSourceColumnTest {
  private static Pod pod(String name, String source) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name)
            .setCreationTimestamp(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 90)))
        .setStatus(PodStatus.newBuilder().setPhase("Running").setSource(source)
            .setSandbox(SandboxStatus.newBuilder().setId("0123456789abcdef"))
            .addContainerStatuses(ContainerStatus.newBuilder().setName("app").setReady(true)))
        .build();
  }

  @Test
  void eachRowSaysWhereItsPodCameFrom() {
    String own = PsCommand.row(pod("web", "sandboxd"), OutputFormat.text);
    String cri = PsCommand.row(pod("k8s", "cri"), OutputFormat.text);

    assertTrue(own.startsWith("default      web                      Running    1/1     0         0123456789abc  "), own);
    assertTrue(own.endsWith(" sandboxd"), own);
    assertTrue(cri.startsWith("default      k8s                      Running    -       -         0123456789abc  "),
        "ps does not read a CRI pod's containers: " + cri);
    assertTrue(cri.endsWith(" cri"), cri);
    assertTrue(cri.contains(" 1m    cri"), cri);
    assertEquals(PsCommand.header(OutputFormat.text).indexOf("SOURCE"), cri.lastIndexOf("cri"), "under its header");
  }
}
