package dev.sandboxd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.containerd.ImageRecord;
import dev.sandboxd.containerd.Images;
import dev.sandboxd.containerd.Transfers;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TransferImagePullerTest {
  /** containerd's transfer service: every pull waits for release, then succeeds or fails as told. */
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger transfers = new AtomicInteger();
  private final List<Transfers.Pull> asked = new CopyOnWriteArrayList<>();
  private volatile String failWith;
  private final List<String> stored = new CopyOnWriteArrayList<>();
  private final List<String> observed = new CopyOnWriteArrayList<>();

  private final Transfers fakeTransfers = (pull, credentials, progress) -> {
    transfers.incrementAndGet();
    asked.add(pull);
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    progress.progress("downloading", "layer-sha256:aa", 10, 10);
    if (failWith != null) {
      throw SandboxdException.notFound("containerd: pull %s: %s", pull.reference(), failWith);
    }
    stored.add(pull.reference());
  };

  private final ImageService images = new ImageService() {
    @Override
    public List<ImageSummary> importArchive(InputStream archive) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<ImageSummary> importOwn(InputStream archive) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void remove(String reference) {}

    @Override
    public List<ImageSummary> list() {
      List<ImageSummary> out = new ArrayList<>();
      stored.forEach(name -> out.add(new ImageSummary(name, "sha256:d", 10)));
      return out;
    }

    @Override
    public ResolvedImage resolve(String reference) {
      throw SandboxdException.notFound("no %s", reference);
    }

    @Override
    public void forget(String name) {}

    @Override
    public void forgetAll() {}
  };

  private TransferImagePuller puller() {
    Containerd client = (Containerd) Proxy.newProxyInstance(Containerd.class.getClassLoader(), new Class<?>[] {Containerd.class},
        (proxy, method, args) -> {
          if (method.getName().equals("transfers")) {
            return fakeTransfers;
          }
          if (method.getName().equals("images")) {
            return Proxy.newProxyInstance(Images.class.getClassLoader(), new Class<?>[] {Images.class}, (p, m, a) -> {
              if (m.getName().equals("get") && stored.contains((String) a[0])) {
                return new ImageRecord((String) a[0], java.util.Map.of(),
                    new Descriptor("application/vnd.oci.image.manifest.v1+json", "sha256:d", 100, java.util.Map.of()),
                    java.time.Instant.EPOCH, java.time.Instant.EPOCH);
              }
              throw SandboxdException.notFound("no %s", a == null ? "" : a[0]);
            });
          }
          throw new UnsupportedOperationException(method.getName());
        });
    return new TransferImagePuller(client, images, new RegistryCredentials(Optional.empty(), Optional.empty()), Optional.empty(),
        "overlayfs", Executors.newCachedThreadPool(), new TransferImagePuller.PullObserver() {
          @Override
          public void pulled(Duration took, long bytes) {
            observed.add("pulled " + bytes);
          }

          @Override
          public void failed(PullFailure.Reason reason) {
            observed.add("failed " + reason.label());
          }
        }, System::nanoTime);
  }

  @Test
  void concurrentAsksForOneImageShareOnePull() throws Exception {
    TransferImagePuller puller = puller();
    List<String> progress = new CopyOnWriteArrayList<>();
    List<CompletableFuture<ImageService.ImageSummary>> pulls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      pulls.add(puller.pull("registry.example/app:1", List.of(), (event, name, done, total) -> progress.add(event)));
    }
    release.countDown();
    for (CompletableFuture<ImageService.ImageSummary> pull : pulls) {
      ImageService.ImageSummary image = pull.get(10, TimeUnit.SECONDS);
      assertEquals("registry.example/app:1", image.name());
      assertEquals(10, image.size(), "the size containerd reported for the parts");
    }
    assertEquals(1, transfers.get());
    assertEquals(5, progress.size(), "every asker sees the progress");
    assertEquals(List.of("pulled 10"), observed);
    assertEquals("overlayfs", asked.get(0).snapshotter());
  }

  /** A cancelled `image pull` throws from its listener: the pod sharing the pull still gets progress (found in review). */
  @Test
  void anAskerThatWentAwayDoesNotStopTheOthersProgress() throws Exception {
    TransferImagePuller puller = puller();
    List<String> progress = new CopyOnWriteArrayList<>();
    CompletableFuture<ImageService.ImageSummary> gone = puller.pull("registry.example/app:1", List.of(), (e, n, d, t) -> {
      throw new IllegalStateException("call already cancelled");
    });
    CompletableFuture<ImageService.ImageSummary> pod = puller.pull("registry.example/app:1", List.of(),
        (event, name, done, total) -> progress.add(event));
    release.countDown();
    assertEquals("registry.example/app:1", pod.get(10, TimeUnit.SECONDS).name());
    assertEquals("registry.example/app:1", gone.get(10, TimeUnit.SECONDS).name());
    assertTrue(!progress.isEmpty(), "the remaining asker saw the pull's progress");
  }

  @Test
  void shortNamesArePulledNormalized() throws Exception {
    release.countDown();
    assertEquals("docker.io/library/busybox:latest", puller().pull("busybox", List.of(), (e, n, d, t) -> {}).get(10, TimeUnit.SECONDS).name());
  }

  @Test
  void aFailureNamesImageAndReasonAndTheNextAskPullsAgain() throws Exception {
    TransferImagePuller puller = puller();
    failWith = "registry.example/app:1: not found";
    release.countDown();
    CompletableFuture<ImageService.ImageSummary> first = puller.pull("registry.example/app:1", List.of(), (e, n, d, t) -> {});
    CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, first::join);
    PullFailure failure = assertInstanceOf(PullFailure.class, e.getCause());
    assertEquals(PullFailure.Reason.NOT_FOUND, failure.reason());
    assertTrue(failure.getMessage().startsWith("pull image registry.example/app:1: not found"), failure.getMessage());
    assertEquals(List.of("failed not_found"), observed);
    failWith = null;
    puller.pull("registry.example/app:1", List.of(), (x, n, d, t) -> {}).get(10, TimeUnit.SECONDS);
    assertEquals(2, transfers.get());
  }
}
