package dev.sandboxd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.containerd.Containerd;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.containerd.ImageRecord;
import dev.sandboxd.containerd.Images;
import dev.sandboxd.containerd.Mount;
import dev.sandboxd.containerd.image.ImportedImage;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContainerdImagesTest {
  private static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
  private static final String NAME = "localhost/app:1";

  /** Image names to the digest they point at, as containerd's image store holds them. */
  private final Map<String, String> store = new HashMap<>();
  private int fullResolutions;
  private final ContainerdImages images = new ContainerdImages(containerd(), new CountingImageStore(), java.util.Set.of());

  @Test
  void theArchitectureComesFromTheConfigsTopLevelAndMayBeAbsent() {
    byte[] named = "{\"architecture\":\"386\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/pause\"]}}".getBytes(StandardCharsets.UTF_8);
    byte[] unnamed = "{\"config\":{\"architecture\":\"arm64\"}}".getBytes(StandardCharsets.UTF_8);
    assertEquals(Optional.of("386"), ContainerdImages.architecture(ContainerdImages.parsedConfig("pause", named)));
    assertEquals(Optional.empty(), ContainerdImages.architecture(ContainerdImages.parsedConfig("pause", unnamed)));
  }

  @Test
  void aNameStillPointingAtTheSameManifestIsResolvedOnlyOnce() {
    store.put(NAME, "sha256:aaa");

    ImageService.ResolvedImage first = images.resolve(NAME);
    ImageService.ResolvedImage second = images.resolve(NAME);

    assertSame(first, second);
    assertEquals(1, fullResolutions);
    assertEquals(List.of("/bin/app-sha256:aaa"), second.config().entrypoint());
  }

  @Test
  void aNamePointedElsewhereIsResolvedAgainOnceContainerdSaysSo() {
    store.put(NAME, "sha256:aaa");
    images.resolve(NAME);
    store.put(NAME, "sha256:bbb");
    assertEquals("sha256:aaa", images.resolve(NAME).digest(), "trusted until containerd says the name changed");
    images.forget(NAME); // containerd's /images/update event

    ImageService.ResolvedImage again = images.resolve(NAME);

    assertEquals(2, fullResolutions);
    assertEquals("sha256:bbb", again.digest());
    assertEquals("chain-sha256:bbb", again.chainId());
  }

  @Test
  void aRemovedImageIsNotFoundEvenAfterItWasResolved() {
    store.put(NAME, "sha256:aaa");
    images.resolve(NAME);
    store.remove(NAME);
    images.forget(NAME); // containerd's /images/delete event

    SandboxdException.NotFound e = assertThrows(SandboxdException.NotFound.class, () -> images.resolve(NAME));
    assertTrue(e.getMessage().contains("sandboxctl image import"), e.getMessage());
  }

  private ImageRecord record(String name) {
    String digest = store.get(name);
    if (digest == null) {
      throw SandboxdException.notFound("image %s not found", name);
    }
    return new ImageRecord(name, Map.of(), new Descriptor(MANIFEST_MEDIA_TYPE, digest, 1), Instant.EPOCH, Instant.EPOCH);
  }

  /** containerd with only its image store; any other service is a test error. */
  private Containerd containerd() {
    Images imageStore = (Images) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Images.class},
        (proxy, method, args) -> {
          if (method.getName().equals("get")) {
            return record((String) args[0]);
          }
          throw new UnsupportedOperationException(method.getName());
        });
    return (Containerd) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Containerd.class},
        (proxy, method, args) -> {
          if (method.getName().equals("images")) {
            return imageStore;
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  /** Resolves what the store holds, with a config naming the digest, and counts the calls. */
  private final class CountingImageStore implements dev.sandboxd.containerd.image.ImageStore {
    @Override
    public dev.sandboxd.containerd.image.StoredImage resolve(String name) {
      fullResolutions++;
      Descriptor target = record(name).target();
      byte[] config = ("{\"config\":{\"Entrypoint\":[\"/bin/app-" + target.digest() + "\"]}}").getBytes(StandardCharsets.UTF_8);
      Descriptor configDescriptor = new Descriptor("application/vnd.oci.image.config.v1+json", "sha256:c", config.length);
      return new dev.sandboxd.containerd.image.StoredImage(
          name, target, target, configDescriptor, config, List.of("sha256:layer"), "chain-" + target.digest(), true, target.size() + config.length);
    }

    @Override
    public List<ImportedImage> importArchive(InputStream archive, java.util.function.Consumer<String> nameCheck) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void remove(String imageName) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Mount> prepareRootfs(String snapshotKey, String chainId, boolean readOnly, Map<String, String> labels) {
      throw new UnsupportedOperationException();
    }
  }
}
