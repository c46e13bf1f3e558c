package dev.sandboxd.sandboxer;

import static dev.sandboxd.sandboxer.CriConfigs.NETNS;
import static dev.sandboxd.sandboxer.CriConfigs.config;
import static dev.sandboxd.sandboxer.CriConfigs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.runtime.ContainerRuntime;
import dev.sandboxd.runtime.ContainerRuntime.ContainerInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskInfo;
import dev.sandboxd.runtime.ContainerRuntime.TaskStatus;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriPodViewTest {
  @TempDir Path tmp;
  private CriFixture node;
  private CriSandboxes sandboxes;
  private final ExecutorService reads = Executors.newCachedThreadPool();
  private final CountDownLatch containerdAnswers = new CountDownLatch(1);

  /** containerd's k8s.io namespace as CRI leaves it: two containers of pod web (sb1; sidecar without kubelet's labels), one of pod db (sb2), and web's pause. */
  private static final List<ContainerInfo> CONTAINERS = List.of(
      container("c-app", "sb1", "app"), container("c-db", "sb2", "db"),
      new ContainerInfo("c-side", "busybox", Map.of(CriPodView.KIND_LABEL, "container"), Instant.EPOCH, "c-side", "sb1"),
      new ContainerInfo("sb1", "pause", Map.of(CriSandboxes.SOURCE_LABEL, "cri"), Instant.EPOCH, "sb1", ""));

  private static ContainerInfo container(String id, String sandbox, String name) {
    return new ContainerInfo(id, "busybox", Map.of(CriPodView.KIND_LABEL, "container", CriPodView.CONTAINER_NAME_LABEL, name),
        Instant.EPOCH, id, sandbox);
  }

  /** Answers list and task as containerd would, once containerdAnswers opens. */
  private ContainerRuntime containerd() {
    return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ContainerRuntime.class},
        (proxy, method, args) -> {
          containerdAnswers.await();
          return switch (method.getName()) {
            case "listContainers" -> {
              @SuppressWarnings("unchecked") Map<String, String> filter = (Map<String, String>) args[0];
              yield CONTAINERS.stream().filter(c -> c.labels().entrySet().containsAll(filter.entrySet())).toList();
            }
            case "containerSpec" -> "{\"annotations\":{\"io.kubernetes.cri.container-name\":\"sidecar\"}}".getBytes();
            case "task" -> args[0].equals("c-app")
                ? Optional.of(new TaskInfo("c-app", 77, TaskStatus.Running, 0, Optional.empty()))
                : Optional.empty();
            default -> throw new UnsupportedOperationException(method.getName());
          };
        });
  }

  @BeforeEach
  void node() throws IOException {
    node = new CriFixture(tmp);
    sandboxes = node.sandboxes();
    sandboxes.create("sb1", NETNS, options(config("web").build()));
    sandboxes.create("sb2", NETNS, options(config("db").build()));
  }

  @AfterEach
  void stop() {
    containerdAnswers.countDown();
    reads.shutdownNow();
  }

  @Test
  void listAndFindAnswerFromMemoryWithoutContainerd() {
    CriPodView view = new CriPodView(sandboxes, containerd(), Duration.ofSeconds(5), reads);

    assertEquals(List.of("db", "web"), view.list().stream().map(s -> s.pod().podName()).sorted().toList());
    assertEquals("sb1", view.find("web").orElseThrow().pod().id());
    assertEquals("sb1", view.find("default/web").orElseThrow().pod().id());
    assertEquals("sb2", view.find("sb2").orElseThrow().pod().id());
    assertTrue(view.find("other/web").isEmpty());
    assertTrue(view.find("sb").isEmpty(), "no prefix matches");
    assertEquals(Map.of("Created", 2L, "Ready", 0L, "NotReady", 0L), view.countByState());
  }

  @Test
  void inspectReadsThePodsOwnContainersNotThePauseNamedByLabelOrSpec() {
    containerdAnswers.countDown();
    CriPodView view = new CriPodView(sandboxes, containerd(), Duration.ofSeconds(5), reads);

    CriPodView.Inspected web = view.inspect("web").orElseThrow();

    assertTrue(web.containersKnown());
    assertEquals(List.of("app", "sidecar"), web.containers().stream().map(CriPodView.CriContainer::name).toList());
    assertEquals(77, web.containers().get(0).task().orElseThrow().pid());
    assertTrue(web.containers().get(1).task().isEmpty(), "created, never started");
    assertTrue(view.inspect("nope").isEmpty());
  }

  @Test
  void aSlowContainerdMakesTheContainersUnknownNotTheAnswerFail() {
    CriPodView view = new CriPodView(sandboxes, containerd(), Duration.ofMillis(50), reads);

    CriPodView.Inspected web = view.inspect("web").orElseThrow();

    assertFalse(web.containersKnown());
    assertEquals(List.of(), web.containers());
    assertEquals("web", web.pod().pod().podName());
  }

  @Test
  void statsReadThePodCgroupFromCgroupParent() {
    node.cgroupFs.set("/kubepods/besteffort/pod-web", "cpu.stat", "usage_usec 4200\nuser_usec 4000\nsystem_usec 200\n");
    CriPodView view = new CriPodView(sandboxes, containerd(), Duration.ofSeconds(5), reads);

    List<CriPodView.Usage> web = view.stats(Optional.of("web"));

    assertEquals(1, web.size());
    assertEquals("/kubepods/besteffort/pod-web", web.get(0).cgroupPath());
    assertEquals(4200, web.get(0).usage().cpuUsageUsec().getAsLong());
    assertEquals(2, view.stats(Optional.empty()).size());
    assertTrue(view.stats(Optional.of("nope")).isEmpty());
  }
}
