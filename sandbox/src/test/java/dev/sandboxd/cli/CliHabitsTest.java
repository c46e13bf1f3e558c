package dev.sandboxd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Timestamp;
import dev.sandboxd.api.v1.AttachedExecRequest;
import dev.sandboxd.api.v1.AttachedExecResponse;
import dev.sandboxd.api.v1.ContainerState;
import dev.sandboxd.api.v1.ContainerStateRunning;
import dev.sandboxd.api.v1.ContainerStats;
import dev.sandboxd.api.v1.ContainerStatus;
import dev.sandboxd.api.v1.InspectPodRequest;
import dev.sandboxd.api.v1.InspectPodResponse;
import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.ListPodsResponse;
import dev.sandboxd.api.v1.LogChunk;
import dev.sandboxd.api.v1.LogsRequest;
import dev.sandboxd.api.v1.ObjectMeta;
import dev.sandboxd.api.v1.Pod;
import dev.sandboxd.api.v1.PodStats;
import dev.sandboxd.api.v1.PodStatus;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.ResourceUsage;
import dev.sandboxd.api.v1.SandboxStatus;
import dev.sandboxd.api.v1.StatsRequest;
import dev.sandboxd.api.v1.StatsResponse;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** -o formats, --watch, the logs and exec flags and port-forward's ports, against a sandboxd of the test's own. */
class CliHabitsTest {
  private static final String SANDBOX_ID = "0123456789abcdef0123456789abcdef";
  /** Two minutes ago, the same for every answer: a pod that did not change must compare equal. */
  private static final long CREATED = Instant.now().getEpochSecond() - 120;

  @TempDir Path dir;
  private final List<Object> requests = new CopyOnWriteArrayList<>();
  private final AtomicReference<List<Pod>> pods = new AtomicReference<>(List.of(pod("web", "Running"), pod("db", "Running")));
  private FakeSandboxd sandboxd;

  @BeforeEach
  void startFakeSandboxd() throws Exception {
    sandboxd = new FakeSandboxd(dir, new PodsGrpc.PodsImplBase() {
      @Override
      public void listPods(ListPodsRequest request, StreamObserver<ListPodsResponse> response) {
        requests.add(request);
        response.onNext(ListPodsResponse.newBuilder().addAllPods(pods.get()).build());
        response.onCompleted();
      }

      @Override
      public void inspectPod(InspectPodRequest request, StreamObserver<InspectPodResponse> response) {
        requests.add(request);
        response.onNext(InspectPodResponse.newBuilder().setPod(pods.get().get(0)).build());
        response.onCompleted();
      }

      @Override
      public void stats(StatsRequest request, StreamObserver<StatsResponse> response) {
        requests.add(request);
        ResourceUsage usage = ResourceUsage.newBuilder().setCpuUsageUsec(1_500_000).setCpuUserUsec(1_000_000)
            .setCpuSystemUsec(500_000).setMemoryCurrentBytes(3 << 20).build();
        response.onNext(StatsResponse.newBuilder().addPods(PodStats.newBuilder().setNamespace("default").setName("web")
            .setCgroupPath("/sandboxd/podu1").setUsage(usage)
            .addContainers(ContainerStats.newBuilder().setName("app").setCgroupPath("/sandboxd/podu1/c1").setUsage(usage)))
            .build());
        response.onCompleted();
      }

      @Override
      public void logs(LogsRequest request, StreamObserver<LogChunk> response) {
        requests.add(request);
        response.onCompleted();
      }

      @Override
      public StreamObserver<AttachedExecRequest> attachedExec(StreamObserver<AttachedExecResponse> response) {
        return new StreamObserver<>() {
          @Override
          public void onNext(AttachedExecRequest request) {
            requests.add(request);
            response.onNext(AttachedExecResponse.newBuilder().setStdout(ByteString.copyFromUtf8("hi\n")).build());
            response.onNext(AttachedExecResponse.newBuilder().setExitCode(3).build());
            response.onCompleted();
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    sandboxd.close();
  }

  @Test
  void psPrintsATableAndWideAddsColumns() {
    String[] text = ok("ps").split("\n");
    assertEquals("NAMESPACE    NAME                     PHASE      READY   RESTARTS  SANDBOX        AGE   SOURCE", text[0]);
    assertTrue(text[1].startsWith("default      db                       Running    1/2     3         0123456789abc  "), text[1]);
    String[] wide = ok("ps", "-o", "wide").split("\n");
    assertTrue(wide[0].endsWith(" AGE   SOURCE   PID      QOS         IP              CONTAINERS"), wide[0]);
    assertTrue(wide[1].contains(SANDBOX_ID) && wide[1].endsWith(" 4242     Burstable   <none>          app,sidecar"), wide[1]);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"ps", "inspect web", "stats", "stats web"})
  void jsonAndYamlAreTheSameDocument(String command) throws Exception {
    String[] args = command.split(" ");
    JsonNode json = new ObjectMapper().readTree(ok(concat(args, "-o", "json")));
    JsonNode yaml = new YAMLMapper().readTree(ok(concat(args, "-o", "yaml")));
    assertEquals(json, yaml);
    if (command.equals("ps")) {
      assertEquals("List", json.get("kind").asText());
      assertEquals("db", json.at("/items/0/metadata/name").asText(), "sorted as the table");
      assertEquals(2, json.get("items").size());
    }
  }

  @Test
  void statsWideAddsCpuSplitAndCgroups() {
    String[] wide = ok("stats", "-o", "wide").split("\n");
    assertTrue(wide[0].contains("USER (s)") && wide[0].endsWith("CGROUP"), wide[0]);
    assertTrue(wide[1].startsWith("default/web") && wide[1].contains("1.000") && wide[1].endsWith("/sandboxd/podu1"), wide[1]);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      ps -o xml                                 | --output
      inspect web -o jsn                        | --output
      stats -o table                            | --output
      ps --watch --interval 0                   | --interval
      stats -w --interval -1                    | --interval
      logs web c --tail -2                      | --tail
      logs web c --since 5x                     | --since
      logs web c --since 1h30                   | --since
      logs web c -p -f                          | --previous
      port-forward web 8080:99999               | [LOCAL]:REMOTE
      port-forward web abc                      | [LOCAL]:REMOTE
      port-forward web 0                        | [LOCAL]:REMOTE
      exec --exec-timeout 5 -i web c -- sh      | --exec-timeout
      """)
  void badValuesFailNamingTheFlagAndCallNothing(String command, String flag) {
    FakeSandboxd.Result r = sandboxd.sandboxctl(command.split(" "));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(flag), r.err());
    assertEquals(List.of(), requests);
  }

  @Test
  void logsFlagsBecomeTheRequestsFields() {
    Instant before = Instant.now();
    ok("logs", "-p", "--tail", "5", "--since", "1m30s", "--timestamps", "web", "c");
    LogsRequest request = (LogsRequest) requests.get(0);
    assertTrue(request.getPrevious() && request.getTimestamps() && !request.getFollow());
    assertEquals(5, request.getTailLines());
    long since = request.getSinceTime().getSeconds();
    assertTrue(since >= before.getEpochSecond() - 91 && since <= Instant.now().getEpochSecond() - 89, request.toString());
    ok("logs", "web", "c");
    assertTrue(!((LogsRequest) requests.get(1)).hasTailLines() && !((LogsRequest) requests.get(1)).hasSinceTime());
  }

  @Test
  void execTtyWithoutATerminalRunsWithoutOneAndExitsWithTheCommandsCode() {
    FakeSandboxd.Result r = sandboxd.sandboxctl("exec", "-t", "web", "c", "--", "sh");
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("-t: stdin is not a terminal"), r.err());
    AttachedExecRequest first = (AttachedExecRequest) requests.get(0);
    assertEquals("web", first.getPod().getRef());
    assertEquals(List.of("sh"), first.getCommandList());
    assertTrue(!first.getTty() && !first.getStdin());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"8080, 8080, 8080", ":80, 0, 80", "0:80, 0, 80", "9000:80, 9000, 80"})
  void portForwardPorts(String value, int local, int remote) {
    assertEquals(new PortForwardCommand.Mapping(local, remote),
        PortForwardCommand.parse(new CommandLine(new PortForwardCommand()).getCommandSpec(), value));
  }

  @Test
  void psWatchPrintsEachPodThatChangesAndOnesRemoved() throws Exception {
    StringWriter out = new StringWriter();
    CompletableFuture<Integer> watch = CompletableFuture.supplyAsync(() -> Sandboxctl.run(
        new String[] {"--address", dir.resolve("sandboxd.sock").toString(), "ps", "--watch", "--interval", "1"},
        new PrintWriter(out, true), new PrintWriter(new StringWriter(), true)));
    waitFor(out, s -> s.lines().count() == 3);
    pods.set(List.of(pod("web", "Succeeded"), pod("db", "Running")));
    waitFor(out, s -> s.contains("Succeeded"));
    pods.set(List.of(pod("db", "Running")));
    waitFor(out, s -> s.contains("Removed"));
    sandboxd.close(); // the watch ends when sandboxd goes away
    assertEquals(1, watch.get());
    List<String> lines = out.toString().lines().toList();
    assertTrue(lines.get(3).startsWith("default      web                      Succeeded"), out.toString());
    assertTrue(lines.get(4).startsWith("default      web                      Removed"), out.toString());
    assertEquals(5, lines.size(), "db never changed, so it is not printed again:\n" + out);
  }

  private static void waitFor(StringWriter out, Predicate<String> condition) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!condition.test(out.toString())) {
      assertTrue(System.nanoTime() < deadline, "ps --watch printed:\n" + out);
      Thread.sleep(50);
    }
  }

  private String ok(String... args) {
    FakeSandboxd.Result r = sandboxd.sandboxctl(args);
    assertEquals(0, r.code(), r.err());
    return r.out();
  }

  private static String[] concat(String[] args, String... more) {
    String[] all = new String[args.length + more.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  private static Pod pod(String name, String phase) {
    ContainerStatus app = ContainerStatus.newBuilder().setName("app").setReady(true).setRestartCount(3)
        .setState(ContainerState.newBuilder().setRunning(ContainerStateRunning.newBuilder().setStartedAt(Timestamp.newBuilder().setSeconds(1000))))
        .build();
    ContainerStatus sidecar = ContainerStatus.newBuilder().setName("sidecar").build();
    return Pod.newBuilder().setApiVersion("v1").setKind("Pod")
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name).setUid("uid-" + name)
            .setCreationTimestamp(Timestamp.newBuilder().setSeconds(CREATED)))
        .setStatus(PodStatus.newBuilder().setPhase(phase).setQosClass("Burstable")
            .setSandbox(SandboxStatus.newBuilder().setId(SANDBOX_ID).setPid(4242).setState("Ready"))
            .addContainerStatuses(app).addContainerStatuses(sidecar))
        .build();
  }
}
