package dev.sandboxd.daemon;

import dev.sandboxd.audit.AuditInterceptor;
import dev.sandboxd.audit.PeerCredentialsNegotiator;
import dev.sandboxd.cgroup.Cgroup2Fs;
import dev.sandboxd.cgroup.ResourcePolicy;
import dev.sandboxd.container.ContainerManager;
import dev.sandboxd.containerd.image.ContainerdImageStore;
import dev.sandboxd.containerd.image.ImageStoreOptions;
import dev.sandboxd.containerlog.ShimLoggerLogs;
import dev.sandboxd.image.ContainerdImages;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.image.PauseImage;
import dev.sandboxd.image.PullFailure;
import dev.sandboxd.image.RegistryCredentials;
import dev.sandboxd.image.RegistryHosts;
import dev.sandboxd.image.TransferImagePuller;
import dev.sandboxd.lifecycle.LifecycleEvents;
import dev.sandboxd.lifecycle.PodLifecycle;
import dev.sandboxd.lifecycle.PodManager;
import dev.sandboxd.network.PodNetworks;
import dev.sandboxd.lifecycle.PodPaths;
import dev.sandboxd.manifestdir.ManifestDirectory;
import dev.sandboxd.metrics.MetricsServer;
import dev.sandboxd.metrics.SandboxdMeters;
import dev.sandboxd.monitoring.CgroupPodUsage;
import dev.sandboxd.monitoring.ContainerdCallMeter;
import dev.sandboxd.monitoring.LifecycleMetrics;
import dev.sandboxd.monitoring.PodSnapshots;
import dev.sandboxd.sandboxer.CriPodView;
import dev.sandboxd.monitoring.TimedPodLifecycle;
import dev.sandboxd.pod.PodManifests;
import dev.sandboxd.podsecurity.PodSecurityAdmission;
import dev.sandboxd.podsecurity.PodSecurityLevel;
import dev.sandboxd.probe.ContainerProbeRunner;
import dev.sandboxd.probe.LinuxNetworkNamespaces;
import dev.sandboxd.probe.NetnsExecutor;
import dev.sandboxd.portforward.NetnsPodPorts;
import dev.sandboxd.portforward.PodPorts;
import dev.sandboxd.probe.PodNetworkProber;
import dev.sandboxd.probe.ProbeManager;
import dev.sandboxd.runtime.ContainerdRuntime;
import dev.sandboxd.runtime.ContainerdTaskEvents;
import dev.sandboxd.runtime.TaskEventFanOut;
import dev.sandboxd.sandbox.PauseSandboxController;
import dev.sandboxd.seccomp.SeccompProfileRoot;
import dev.sandboxd.server.ImagesService;
import dev.sandboxd.server.PodsService;
import dev.sandboxd.server.Utf8Requests;
import dev.sandboxd.state.FilePodStore;
import dev.sandboxd.supervisor.ExecutorScheduler;
import dev.sandboxd.supervisor.RestartBackOff;
import dev.sandboxd.supervisor.Scheduler;
import dev.sandboxd.system.LinuxSystem;
import dev.sandboxd.spec.ProcessPrivileges;
import dev.sandboxd.system.PrivateFiles;
import dev.sandboxd.podfiles.PodFileWriter;
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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
   * scrape): cAdvisor's housekeeping interval. Each refresh reads every pod's cgroup files; pod
   * states come from memory.
   */
  static final Duration POD_METRICS_PERIOD = Duration.ofSeconds(10);

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file; flags override it")
  Path config;

  /** Set by picocli; the flags of the settings in DaemonConfig are registered on it (see commandLine). */
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    CommandLine cli = commandLine(new Sandboxd());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("sandboxd: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      return 1;
    });
    System.exit(cli.execute(args));
  }

  /** The command line: --config and the standard options from the annotations, one flag per setting. */
  static CommandLine commandLine(Sandboxd daemon) {
    CommandSpec spec = CommandSpec.forAnnotatedObject(daemon);
    DaemonSettings.addOptions(spec);
    return new CommandLine(spec);
  }

  DaemonConfig effectiveConfig() {
    return DaemonSettings.load(Optional.ofNullable(config), DaemonSettings.flagValues(spec));
  }

  @Override
  public Integer call() throws Exception {
    DaemonConfig cfg = effectiveConfig();
    Clock clock = Clock.systemUTC();
    ExecutorService workers = IdleThreads.cachedPool(daemonThreads("sandboxd-worker"));
    ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(daemonThreads("sandboxd-timer"));
    Scheduler scheduler = new ExecutorScheduler(timers, clock);
    LinuxSystem system = new LinuxSystem();
    ProcessPrivileges privileges = ProcessPrivileges.ofThisProcess();
    PodPaths paths = new PodPaths(Path.of(cfg.root()));
    // Pod volumes, logs and exec output are for root alone (emptyDirs below are 0777 for their pods).
    PrivateFiles.directory(paths.root(), PrivateFiles.DIRECTORY);
    PrivateFiles.directories(paths.podsDir());

    // Listening before containerd is waited for: containerd, started after sandboxd, asks at once.
    Optional<CriSandboxer> criSandboxer = cfg.sandboxerAddress().isEmpty() ? Optional.empty()
        : Optional.of(CriSandboxer.listen(Path.of(cfg.sandboxerAddress()), clock, daemonThreads("sandboxd-sandboxer")));
    try (SandboxdMeters meters = new SandboxdMeters(VERSION);
        ContainerdRuntime runtime = ContainerdRuntime.connect(
            Path.of(cfg.containerdAddress()), cfg.namespace(), new ContainerdCallMeter(meters))) {
      Cgroup2Fs cgroups = Cgroup2Fs.detect(cfg.cgroupParent(),
          new ResourcePolicy(cfg.podPidsLimit(), cfg.cgroupMissing(), nodeMemoryBytes()));
      String pauseRef = cfg.pauseImage().isEmpty() ? PauseImage.embeddedReference() : cfg.pauseImage();
      ContainerdImages images = new ContainerdImages(runtime.client(), new ContainerdImageStore(runtime.client(),
          ImageStoreOptions.DEFAULTS.withMaxUnpackedSize(cfg.imageMaxUnpackedBytes())), Set.of(pauseRef));
      PauseImage pause = new PauseImage(images, pauseRef);
      ContainerManager containers = new ContainerManager(runtime, images, system, privileges, workers, meters,
          SeccompProfileRoot.of(cfg.seccompProfileRoot()),
          ShimLoggerLogs.install(paths.root().resolve("bin"), cfg.logRotation()));
      PauseSandboxController sandboxes = new PauseSandboxController(runtime, pause, privileges, clock);
      NetnsExecutor netns = new NetnsExecutor(new LinuxNetworkNamespaces());
      PodManager pods = new PodManager(
          PodManifests.withRandomUids(),
          sandboxes,
          containers,
          new VolumeManager(paths.podsDir(), system, system),
          new PodFileWriter(paths.podsDir(), cfg.clusterDnsConfig(), Path.of("/etc/hosts"),
              cfg.resolvConf().isEmpty() ? Optional.empty() : Optional.of(Path.of(cfg.resolvConf()))),
          cgroups,
          new FilePodStore(Path.of(cfg.state())),
          paths,
          scheduler,
          new RestartBackOff(cfg.restartBackoff(), cfg.restartBackoffMax()),
          new LifecycleEvents(),
          randomIds(),
          workers);
      TransferImagePuller puller = imagePuller(cfg, runtime, images, meters, paths);
      pods.useImagePulls(puller, images,
          new RestartBackOff(cfg.imagePullBackoff(), cfg.imagePullBackoffMax()));
      Path cniCache = cfg.cniCacheDir().isEmpty() ? paths.root().resolve("cni") : Path.of(cfg.cniCacheDir());
      pods.useNetwork(PodNetworks.of(cfg.network(), Path.of(cfg.cniConfDir()), PodNetworks.pathList(cfg.cniBinDir()),
          cniCache, Path.of(cfg.state()).resolve("netns"), meters), PodNetworks.hostIp());
      pods.useProbes(new ProbeManager(scheduler, workers,
          new ContainerProbeRunner(
              (id, command, timeout) -> containers.exec(id, paths.root().resolve("exec"), command, Optional.of(timeout)),
              new PodNetworkProber(netns, PodNetworkProber::namespaceAddress)),
          new ProbeCallbacks(pods)));
      // before recovery, which restarts containers a crash cut short
      pods.events().subscribe(new LifecycleMetrics(meters));
      pause.ensure();
      pods.recover();
      ContainerdTaskEvents taskEvents = new ContainerdTaskEvents(
          runtime.client().events(), new TaskEventFanOut(List.of(new ImageNameEvents(images), sandboxes, pods)),
          scheduler, attempt -> meters.eventStreamReconnected(), runtime::reconnectNow);
      taskEvents.start();
      for (CriSandboxer cri : criSandboxer.stream().toList()) {
        cri.start(cfg, runtime, pauseRef, privileges, cgroups, system, scheduler, clock);
      }
      TimedPodLifecycle timedPods = new TimedPodLifecycle(pods, meters);
      PodSnapshots snapshots = new PodSnapshots(pods, new CgroupPodUsage(cgroups), meters);
      timers.scheduleWithFixedDelay(snapshots, 0, POD_METRICS_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
      for (CriSandboxer cri : criSandboxer.stream().toList()) {
        timers.scheduleWithFixedDelay(() -> cri.view().ifPresent(v -> meters.criPods(v.countByState())),
            0, POD_METRICS_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
      }
      timers.scheduleWithFixedDelay(() -> countImages(images, meters), 0, POD_METRICS_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
      Optional<MetricsServer> metricsServer = startMetrics(cfg.metricsAddress(), Path.of(cfg.state()), meters,
          () -> taskEvents.live() && runtime.client().isServing());

      Server server = startServer(Path.of(cfg.address()),
          PodSecurityAdmission.enforcing(timedPods, PodManifests.withRandomUids(), cfg.podSecurity(), "--pod-security"),
          new NetnsPodPorts(netns),
          new ImagesService(images, Optional.of(puller), () -> imagesInUse(pods), Path.of(cfg.root()).resolve("spool")),
          cfg.socketGroup(), () -> criSandboxer.flatMap(CriSandboxer::view));
      LOG.log(Level.INFO, "sandboxd serving on {0} (containerd {1}, namespace {2}, pause image {3})",
          cfg.address(), cfg.containerdAddress(), cfg.namespace(), pauseRef);
      // ManifestDirectory logs its problems; the reporter is where the lifecycle event stream will hook in.
      Optional<ManifestDirectory> staticPods = cfg.manifestDir().isEmpty()
          ? Optional.empty()
          : Optional.of(ManifestDirectory.startOwnThread(
              Path.of(cfg.manifestDir()),
              PodSecurityAdmission.enforcing(
                  timedPods, PodManifests.withRandomUids(), cfg.manifestDirPodSecurity(), "--manifest-dir-pod-security"),
              PodManifests.withRandomUids(), clock, problem -> {}));
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
      criSandboxer.ifPresent(CriSandboxer::close);
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

  /**
   * Pulls through containerd's transfer service with the node's registry settings, on threads of
   * their own (a pull may take minutes; pod workers and timers must not wait for it).
   */
  private static TransferImagePuller imagePuller(DaemonConfig cfg, ContainerdRuntime runtime, ContainerdImages images,
      SandboxdMeters meters, PodPaths paths) {
    Optional<Path> hostDir = RegistryHosts.directory(optionalPath(cfg.registryHostsDir()), optionalPath(cfg.registryCa()),
        cfg.registryInsecureHosts(), paths.root().resolve("registry-hosts"));
    return new TransferImagePuller(runtime.client(), images,
        new RegistryCredentials(optionalPath(cfg.registryConfig()), optionalPath(cfg.imagePullSecretsDir())), hostDir,
        "overlayfs", IdleThreads.cachedPool(daemonThreads("sandboxd-pull")),
        new TransferImagePuller.PullObserver() {
          @Override
          public void pulled(Duration took, long bytes) {
            meters.imagePulled(took, bytes);
          }

          @Override
          public void failed(PullFailure.Reason reason) {
            meters.imagePullFailed(reason.label());
          }
        }, System::nanoTime);
  }

  private static Optional<Path> optionalPath(String setting) {
    return setting.isEmpty() ? Optional.empty() : Optional.of(Path.of(setting));
  }

  private static void countImages(ContainerdImages images, SandboxdMeters meters) {
    try {
      meters.imagesPresent(images.count());
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "counting images: " + e.getMessage());
    }
  }

  /** The images the node's pods name: what `image prune` keeps. */
  private static Set<String> imagesInUse(PodManager pods) {
    Set<String> used = new HashSet<>();
    pods.list().forEach(p -> p.pod().spec().allContainers().forEach(c -> used.add(c.image())));
    return used;
  }

  /**
   * The API server: every connection's peer credentials are taken at connect and every mutating
   * call is audited in the log. The socket is mode 0660, owned by socketGroup when one is set.
   */
  private static Server startServer(
      Path socket, PodLifecycle pods, PodPorts ports, ImagesService images, String socketGroup,
      Supplier<Optional<CriPodView>> criPods) throws IOException {
    // Inside each service's UTF-8 guard, where it sees the typed requests and answers it names.
    AuditInterceptor audit = new AuditInterceptor();
    Optional<GroupPrincipal> group = Optional.empty();
    if (!socketGroup.isEmpty()) {
      try {
        group = Optional.of(socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(socketGroup));
      } catch (UserPrincipalNotFoundException e) {
        throw SandboxdException.invalidArgument("socket-group: no group \"%s\" on this machine", socketGroup);
      }
    }
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        // grpc turns on TCP keepalive, which unix sockets lack (netty would warn per connection)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
        .bossEventLoopGroup(new MultiThreadIoEventLoopGroup(1, daemonThreads("sandboxd-accept"), EpollIoHandler.newFactory()))
        .workerEventLoopGroup(new MultiThreadIoEventLoopGroup(2, daemonThreads("sandboxd-io"), EpollIoHandler.newFactory()))
        // Calls run here rather than on gRPC's shared default executor, whose idle threads live 60 s.
        .executor(IdleThreads.cachedPool(daemonThreads("sandboxd-grpc")))
        .maxInboundMessageSize(8 << 20)
        .protocolNegotiator(new PeerCredentialsNegotiator())
        // A thread per open log, exec or port-forward stream, ended 5 s after its stream.
        .addService(Utf8Requests.guard(
            new PodsService(pods, ports, criPods, IdleThreads.cachedPool(daemonThreads("sandboxd-streams"))), audit))
        .addService(Utf8Requests.guard(images, audit))
        .build()
        .start();
    // Only root and the socket's group may drive sandboxd.
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    if (group.isPresent()) {
      Files.getFileAttributeView(socket, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group.get());
    }
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
