package dev.sandboxd.daemon;

import dev.sandboxd.cgroup.Cgroup2Fs;
import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.container.ContainerManager;
import dev.sandboxd.containerd.image.ContainerdImageService;
import dev.sandboxd.containerd.image.ImageServiceOptions;
import dev.sandboxd.image.ContainerdImages;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.lifecycle.LifecycleEvents;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.lifecycle.PodManager;
import dev.sandboxd.lifecycle.PodPaths;
import dev.sandboxd.manifestdir.ManifestDirectory;
import dev.sandboxd.metrics.MetricsServer;
import dev.sandboxd.metrics.SandboxdMeters;
import dev.sandboxd.monitoring.CgroupPodUsage;
import dev.sandboxd.monitoring.ContainerdCallMeter;
import dev.sandboxd.monitoring.LifecycleMetrics;
import dev.sandboxd.monitoring.PodSnapshots;
import dev.sandboxd.monitoring.TimedPodLifecycle;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.probe.ContainerProbeRunner;
import dev.sandboxd.probe.LinuxNetworkNamespaces;
import dev.sandboxd.probe.NetnsExecutor;
import dev.sandboxd.probe.PodNetworkProber;
import dev.sandboxd.probe.ProbeManager;
import dev.sandboxd.runtime.ContainerdRuntime;
import dev.sandboxd.runtime.ContainerdTaskEvents;
import dev.sandboxd.sandbox.PauseSandboxController;
import dev.sandboxd.server.ImagesService;
import dev.sandboxd.server.PodsService;
import dev.sandboxd.state.FilePodStore;
import dev.sandboxd.supervisor.ExecutorScheduler;
import dev.sandboxd.supervisor.RestartBackOff;
import dev.sandboxd.supervisor.Scheduler;
import dev.sandboxd.system.LinuxSystem;
import dev.sandboxd.system.PrivateFiles;
import dev.sandboxd.system.ProcessPrivileges;
import dev.sandboxd.volume.VolumeManager;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** sandboxd: the pod sandbox manager daemon. */
@Command(
    name = "sandboxd",
    mixinStandardHelpOptions = true,
    versionProvider = Sandboxd.Version.class,
    description = "Runs Kubernetes pods on containerd: a pause sandbox per pod, app tasks joined to it.")
public final class Sandboxd implements Callable<Integer> {
  private static final Logger LOG = System.getLogger("sandboxd");
  static final String VERSION = "0.1.0";
  /**
   * How often the pod gauges and per-pod usage are refreshed (see PodSnapshots for why not per
   * scrape). cAdvisor's housekeeping interval; each refresh asks containerd about every task, and
   * at 2 s that alone cost 4.4 % of a core with 100 pods idle (hack/measure-metrics).
   */
  static final Duration POD_METRICS_PERIOD = Duration.ofSeconds(10);

  @Option(names = "--config", description = "YAML config file; flags override it")
  Path config;

  @Option(names = "--containerd-address", description = "containerd's socket (default /run/containerd/containerd.sock)")
  String containerdAddress;

  @Option(names = "--address", description = "sandboxd's own API socket (default /run/sandboxd/sandboxd.sock)")
  String address;

  @Option(names = "--root", description = "persistent data: pod volumes and logs (default /var/lib/sandboxd)")
  String root;

  @Option(names = "--state", description = "state records (default /run/sandboxd)")
  String state;

  @Option(names = "--namespace", description = "containerd namespace (default sandboxd)")
  String namespace;

  @Option(names = "--pause-image", description = "pause image reference (default: the one embedded in sandboxd)")
  String pauseImage;

  @Option(names = "--cgroup-parent", description = "cgroup2 path under which pod cgroups are made (default /sandboxd)")
  String cgroupParent;

  @Option(names = "--restart-backoff", description = "first container restart back-off, e.g. 10s or 500ms (default 10s)")
  String restartBackoff;

  @Option(names = "--restart-backoff-max", description = "longest container restart back-off (default 300s)")
  String restartBackoffMax;

  @Option(names = "--manifest-dir", description = "runs every pod manifest in this directory as a static pod (default: none)")
  String manifestDir;

  @Option(names = "--pod-pids-limit", description = "pids.max of every pod (0 or -1: none, the default); "
      + "the pod annotation " + ResourcePolicy.PIDS_LIMIT_ANNOTATION + " overrides it")
  Long podPidsLimit;

  @Option(names = "--cgroup-missing", description = "a pod asks for a limit whose cgroup controller is missing: "
      + "reject it (default) or warn (run it without the limit, saying so in its status)")
  ResourcePolicy.MissingController cgroupMissing;

  @Option(names = "--metrics-address", description = "host:port of the Prometheus endpoint, \"\" for none (default 127.0.0.1:9450)")
  String metricsAddress;

  @Option(names = "--image-max-unpacked-size", description = "most an image import may unpack, e.g. 10Gi (the default) or 500Mi")
  String imageMaxUnpackedSize;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Sandboxd());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("sandboxd: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      return 1;
    });
    System.exit(cli.execute(args));
  }

  DaemonConfig effectiveConfig() {
    DaemonConfig base = config != null ? DaemonConfig.read(config) : DaemonConfig.DEFAULTS;
    return base.overriddenBy(
            new DaemonConfig(containerdAddress, address, root, state, namespace, pauseImage, cgroupParent,
                restartBackoff, restartBackoffMax, manifestDir, podPidsLimit, cgroupMissing, metricsAddress,
                imageMaxUnpackedSize))
        .validated();
  }

  @Override
  public Integer call() throws Exception {
    DaemonConfig cfg = effectiveConfig();
    Clock clock = Clock.systemUTC();
    ExecutorService workers = Executors.newCachedThreadPool(daemonThreads("sandboxd-worker"));
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemonThreads("sandboxd-timer"));
    Scheduler scheduler = new ExecutorScheduler(timers, clock);
    LinuxSystem system = new LinuxSystem();
    ProcessPrivileges privileges = ProcessPrivileges.ofThisProcess();
    PodPaths paths = new PodPaths(Path.of(cfg.root()));
    // Pod volumes, logs and exec output are for root alone (emptyDirs below are 0777 for their pods).
    PrivateFiles.directory(paths.root(), PrivateFiles.DIRECTORY);
    PrivateFiles.directories(paths.podsDir());

    try (SandboxdMeters meters = new SandboxdMeters(VERSION);
        ContainerdRuntime runtime = ContainerdRuntime.connect(
            Path.of(cfg.containerdAddress()), cfg.namespace(), new ContainerdCallMeter(meters))) {
      Cgroup2Fs cgroups = Cgroup2Fs.detect(cfg.cgroupParent(),
          new ResourcePolicy(cfg.podPidsLimit(), cfg.cgroupMissing(), nodeMemoryBytes()));
      String pauseRef = cfg.pauseImage().isEmpty() ? PauseImage.embeddedReference() : cfg.pauseImage();
      ContainerdImages images = new ContainerdImages(runtime.client(), new ContainerdImageService(runtime.client(),
          ImageServiceOptions.DEFAULTS.withMaxUnpackedSize(cfg.imageMaxUnpackedBytes())), Set.of(pauseRef));
      PauseImage pause = new PauseImage(images, pauseRef);
      ContainerManager containers = new ContainerManager(runtime, images, system, privileges, workers, meters);
      PodManager pods = new PodManager(
          PodManifests.withRandomUids(),
          new PauseSandboxController(runtime, pause, privileges, clock),
          containers,
          runtime,
          new VolumeManager(paths.podsDir(), system),
          cgroups,
          new FilePodStore(Path.of(cfg.state())),
          paths,
          scheduler,
          new RestartBackOff(Duration.ofMillis(cfg.restartBackoffInitialMillis()), Duration.ofMillis(cfg.restartBackoffMaxMillis())),
          new LifecycleEvents(),
          randomIds(),
          workers);
      pods.useProbes(new ProbeManager(scheduler, workers,
          new ContainerProbeRunner(
              (id, command, timeout) -> containers.exec(id, paths.root().resolve("exec"), command, Optional.of(timeout)),
              new PodNetworkProber(new NetnsExecutor(new LinuxNetworkNamespaces()))),
          new ProbeCallbacks(pods)));
      // before recovery, which restarts containers a crash cut short
      pods.events().subscribe(new LifecycleMetrics(meters));
      pause.ensure();
      pods.recover();
      ContainerdTaskEvents taskEvents = new ContainerdTaskEvents(
          runtime.client().events(), pods, scheduler, attempt -> meters.eventStreamReconnected(), runtime::reconnectNow);
      taskEvents.start();
      TimedPodLifecycle timedPods = new TimedPodLifecycle(pods, meters);
      PodSnapshots snapshots = new PodSnapshots(pods, new CgroupPodUsage(cgroups), meters);
      timers.scheduleWithFixedDelay(snapshots, 0, POD_METRICS_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
      Optional<MetricsServer> metricsServer = startMetrics(cfg.metricsAddress(), Path.of(cfg.state()), meters,
          () -> taskEvents.live() && runtime.client().isServing());

      Server server = startServer(Path.of(cfg.address()), timedPods, images, Path.of(cfg.root()).resolve("spool"));
      LOG.log(Level.INFO, "sandboxd serving on {0} (containerd {1}, namespace {2}, pause image {3})",
          cfg.address(), cfg.containerdAddress(), cfg.namespace(), pauseRef);
      // ManifestDirectory logs its problems; the reporter is where the lifecycle event stream will hook in.
      Optional<ManifestDirectory> staticPods = cfg.manifestDir().isEmpty()
          ? Optional.empty()
          : Optional.of(ManifestDirectory.startOwnThread(
              Path.of(cfg.manifestDir()), timedPods, PodManifests.withRandomUids(), clock, problem -> {}));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        staticPods.ifPresent(ManifestDirectory::close);
        metricsServer.ifPresent(MetricsServer::close);
        server.shutdown();
        try {
          server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "sandboxd-shutdown"));
      server.awaitTermination();
    } finally {
      timers.shutdownNow();
      workers.shutdownNow();
    }
    return 0;
  }

  /**
   * The metrics endpoint, unless the address is "". The bound address (the port matters when 0
   * asked for any free one) is logged and written to <state>/metrics.address for tools and tests.
   */
  private static Optional<MetricsServer> startMetrics(String address, Path state, SandboxdMeters meters, BooleanSupplier ready)
      throws IOException {
    if (address.isEmpty()) {
      return Optional.empty();
    }
    MetricsServer server = MetricsServer.start(MetricsServer.parseAddress(address), meters, ready);
    String bound = server.address().getAddress().getHostAddress() + ":" + server.address().getPort();
    Files.createDirectories(state);
    Path file = state.resolve("metrics.address");
    Path tmp = state.resolve("metrics.address.tmp");
    PrivateFiles.write(tmp, (bound + "\n").getBytes(StandardCharsets.UTF_8));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    LOG.log(Level.INFO, "metrics on http://{0}/metrics", bound);
    return Optional.of(server);
  }

  private static Server startServer(Path socket, PodLifecycle pods, ContainerdImages images, Path spool)
      throws IOException {
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        // grpc turns on TCP keepalive, which unix sockets lack (netty would warn per connection)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
        .bossEventLoopGroup(new MultiThreadIoEventLoopGroup(1, daemonThreads("sandboxd-accept"), EpollIoHandler.newFactory()))
        .workerEventLoopGroup(new MultiThreadIoEventLoopGroup(2, daemonThreads("sandboxd-io"), EpollIoHandler.newFactory()))
        .maxInboundMessageSize(8 << 20)
        .addService(new PodsService(pods))
        .addService(new ImagesService(images, spool))
        .build()
        .start();
    // Only root and the socket's group may drive sandboxd.
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    PrivateFiles.allowSearch(socket.getParent());
    return server;
  }

  /** MemTotal of /proc/meminfo: kubelet's memory capacity, which Burstable oom_score_adj is relative to. */
  static long nodeMemoryBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("/proc/meminfo has no MemTotal");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"sandboxd " + VERSION};
    }
  }

  /** 32 random bytes in hex, like containerd's CRI ids. */
  static Supplier<String> randomIds() {
    SecureRandom random = new SecureRandom();
    return () -> {
      byte[] bytes = new byte[32];
      random.nextBytes(bytes);
      return HexFormat.of().formatHex(bytes);
    };
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    return runnable -> {
      Thread t = new Thread(runnable, name);
      t.setDaemon(true);
      return t;
    };
  }
}
