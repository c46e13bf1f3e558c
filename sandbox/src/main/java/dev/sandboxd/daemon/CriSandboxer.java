package dev.sandboxd.daemon;

import dev.sandboxd.cgroup.PodCgroups;
import dev.sandboxd.containerd.image.ContainerdImageStore;
import dev.sandboxd.containerd.image.ImageStoreOptions;
import dev.sandboxd.image.ContainerdImages;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.runtime.ContainerRuntime.ContainerInfo;
import dev.sandboxd.runtime.ContainerdRuntime;
import dev.sandboxd.runtime.ContainerdTaskEvents;
import dev.sandboxd.sandbox.PauseSandboxController;
import dev.sandboxd.sandboxer.CriPodFiles;
import dev.sandboxd.sandboxer.CriPodView;
import dev.sandboxd.sandboxer.CriSandboxRecords;
import dev.sandboxd.sandboxer.CriSandboxes;
import dev.sandboxd.sandboxer.SandboxerCallExecutors;
import dev.sandboxd.sandboxer.SandboxerService;
import dev.sandboxd.sandboxer.ShimEndpoints;
import dev.sandboxd.seccomp.SeccompProfileRoot;
import dev.sandboxd.spec.ProcessPrivileges;
import dev.sandboxd.supervisor.Scheduler;
import dev.sandboxd.system.Mounts;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * sandboxd as containerd's proxy sandbox controller ({@code --sandboxer-address}): the socket
 * listens first, before sandboxd waits for containerd (containerd, started after sandboxd, asks
 * it for every sandbox's status as it starts); calls wait until {@link #start} has recovered
 * the sandboxes. The pause tasks live in containerd's CRI namespace, with their own view of the
 * images and their own task event subscription.
 */
final class CriSandboxer implements AutoCloseable {
  private static final Logger LOG = System.getLogger("sandboxd");
  /** containerd's CRI keeps its objects here, and its proxy calls carry it. */
  static final String CRI_NAMESPACE = "k8s.io";
  /** The name containerd's config gives the proxy plugin (its sandboxer); the store says which sandboxes are ours. */
  static final String SANDBOXER = "sandboxd";

  /** How long `sandboxctl inspect` waits for containerd to list a CRI pod's containers. */
  private static final Duration VIEW_DEADLINE = Duration.ofSeconds(2);

  private final Server server;
  private final CompletableFuture<CriSandboxes> served;
  /** The calls that may block (all but those answered from memory, see SandboxerCallExecutors). */
  private final ExecutorService calls;
  /** The view's containerd reads, which a caller may stop waiting for. */
  private final ExecutorService reads;
  private ContainerdTaskEvents events;
  private volatile CriPodView view;

  private static final String CRI_KIND_LABEL = "io.cri-containerd.kind";

  private CriSandboxer(Server server, CompletableFuture<CriSandboxes> served, ExecutorService calls,
      ExecutorService reads) {
    this.server = server;
    this.served = served;
    this.calls = calls;
    this.reads = reads;
  }

  /** Listens on socket (mode 0600: containerd runs as root) with every call waiting for {@link #start}. */
  static CriSandboxer listen(Path socket, Clock clock, ThreadFactory threads) throws IOException {
    CompletableFuture<CriSandboxes> served = new CompletableFuture<>();
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    ExecutorService calls = IdleThreads.cachedPool(threads);
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
        .bossEventLoopGroup(new MultiThreadIoEventLoopGroup(1, threads, EpollIoHandler.newFactory()))
        .workerEventLoopGroup(new MultiThreadIoEventLoopGroup(1, threads, EpollIoHandler.newFactory()))
        .maxInboundMessageSize(16 << 20) // containerd's own limit
        .directExecutor()
        .callExecutor(new SandboxerCallExecutors(served, calls))
        .addService(new SandboxerService(served, clock).definition())
        .build()
        .start();
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    LOG.log(Level.INFO, "sandbox controller for containerd on {0}", socket);
    return new CriSandboxer(server, served, calls, IdleThreads.cachedPool(threads));
  }

  /** Builds the CRI sandboxes over containerd, recovers them and lets the waiting calls through. */
  void start(DaemonConfig cfg, ContainerdRuntime runtime, String pauseRef, ProcessPrivileges privileges,
      PodCgroups cgroups, Mounts mounts, Scheduler scheduler, Clock clock) {
    try {
      ContainerdRuntime cri = runtime.inNamespace(CRI_NAMESPACE);
      ContainerdImages images = new ContainerdImages(cri.client(), new ContainerdImageStore(cri.client(),
          ImageStoreOptions.DEFAULTS.withMaxUnpackedSize(cfg.imageMaxUnpackedBytes())), Set.of(pauseRef));
      PauseSandboxController pauses = new PauseSandboxController(cri, new PauseImage(images, pauseRef), privileges, clock);
      Path criDirs = Path.of("io.containerd.grpc.v1.cri");
      CriSandboxes sandboxes = new CriSandboxes(CRI_NAMESPACE, pauses, new CriSandboxRecords(Path.of(cfg.state())),
          CriPodFiles.forHost(Path.of(cfg.containerdRoot()).resolve(criDirs), Path.of(cfg.containerdState()).resolve(criDirs), mounts),
          new ShimEndpoints(Path.of(cfg.containerdState())), SeccompProfileRoot.of(cfg.seccompProfileRoot()), cgroups,
          clock, calls);
      // CRI copies a pod's labels (and its image's) onto the containers it makes: anyone could label
      // a container as one of these pauses. CRI's own containers carry io.cri-containerd.kind,
      // sandboxd's pauses never do, so only those without it may be removed as orphans.
      sandboxes.recover(cri.sandboxStore().ids(SANDBOXER),
          cri.listContainers(CriSandboxes.pauseLabels()).stream()
              .filter(c -> !c.labels().containsKey(CRI_KIND_LABEL))
              .map(ContainerInfo::id)
              .toList());
      events = new ContainerdTaskEvents(cri.client().events(), pauses, scheduler, attempt -> {}, cri::reconnectNow);
      events.start();
      view = new CriPodView(sandboxes, cri, VIEW_DEADLINE, reads);
      served.complete(sandboxes);
    } catch (RuntimeException e) {
      served.completeExceptionally(e);
      throw e;
    }
  }

  /** The CRI pods, once started, for one view with sandboxd's own pods. */
  Optional<CriPodView> view() {
    return Optional.ofNullable(view);
  }

  @Override
  public void close() {
    if (events != null) {
      events.close();
    }
    server.shutdown();
    calls.shutdown();
    reads.shutdownNow();
  }
}
