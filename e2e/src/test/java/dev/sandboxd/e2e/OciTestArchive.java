package dev.sandboxd.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Small OCI image layout archives for the e2e tests: one uncompressed layer with the busybox
 * binary hack/deps fetched (/bin/busybox, /bin/sh -> busybox, any extra files), or one gzip
 * layer of zeros. Blobs are written layer, config, manifest, so cutting the archive inside the manifest
 * leaves complete blobs behind it.
 */
final class OciTestArchive {
  /** The archive and the digests of what it holds. */
  record Built(byte[] tar, String layerDigest, String diffId, String configDigest, String manifestDigest,
      Blobs blobs) {}

  /** The blobs themselves, for pushing to a registry. */
  record Blobs(byte[] layer, byte[] config, byte[] manifest) {}

  private OciTestArchive() {}

  static Built busybox(Path busyboxBinary, String imageName, String extraFile, String extraContent) throws IOException {
    Tar layer = new Tar().dir("bin/", 0755).file("bin/busybox", Files.readAllBytes(busyboxBinary), 0755).symlink("bin/sh", "busybox");
    if (extraFile != null) {
      layer.file(extraFile, extraContent.getBytes(StandardCharsets.UTF_8), 0644);
    }
    byte[] layerTar = layer.finish();
    return image(imageName, layerTar, "application/vnd.oci.image.layer.v1.tar", sha256(layerTar));
  }

  /** One gzip layer holding a file of zeros: a small archive that unpacks to megabytes. */
  static Built zeros(String imageName, int megabytes) throws IOException {
    byte[] layerTar = new Tar().file("zeros", new byte[megabytes << 20], 0644).finish();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(layerTar);
    }
    return image(imageName, gz.toByteArray(), "application/vnd.oci.image.layer.v1.tar+gzip", sha256(layerTar));
  }

  /** One uncompressed layer of random bytes: an image whose pull takes as long as its size says. */
  static Built random(String imageName, int megabytes) {
    byte[] data = new byte[megabytes << 20];
    new java.util.Random(megabytes).nextBytes(data);
    byte[] layerTar = new Tar().file("random", data, 0644).finish();
    return image(imageName, layerTar, "application/vnd.oci.image.layer.v1.tar", sha256(layerTar));
  }

  private static Built image(String imageName, byte[] layer, String layerMediaType, String diffId) {
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + sha256(config)
                + "\",\"size\":" + config.length + "},"
                + "\"layers\":[{\"mediaType\":\"" + layerMediaType + "\",\"digest\":\"" + sha256(layer)
                + "\",\"size\":" + layer.length + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] index =
        ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{"
                + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + sha256(manifest)
                + "\",\"size\":" + manifest.length + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},"
                + "\"annotations\":{\"io.containerd.image.name\":\"" + imageName + "\"}}]}")
            .getBytes(StandardCharsets.UTF_8);
    Tar archive =
        new Tar()
            .file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8), 0644)
            .file("index.json", index, 0644)
            .dir("blobs/", 0755)
            .dir("blobs/sha256/", 0755);
    for (byte[] blob : List.of(layer, config, manifest)) {
      archive.file("blobs/sha256/" + sha256(blob).substring(7), blob, 0644);
    }
    return new Built(archive.finish(), sha256(layer), diffId, sha256(config), sha256(manifest),
        new Blobs(layer, config, manifest));
  }

  static String sha256(byte[] data) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A ustar writer: enough for files, directories and symlinks owned by root. */
  private static final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Tar file(String name, byte[] data, int mode) {
      entry(name, '0', data, "", mode);
      return this;
    }

    Tar dir(String name, int mode) {
      entry(name, '5', new byte[0], "", mode);
      return this;
    }

    Tar symlink(String name, String target) {
      entry(name, '2', new byte[0], target, 0777);
      return this;
    }

    byte[] finish() {
      out.writeBytes(new byte[1024]);
      return out.toByteArray();
    }

    private void entry(String name, char type, byte[] data, String link, int mode) {
      byte[] h = new byte[512];
      put(h, 0, name);
      put(h, 100, String.format("%07o", mode));
      put(h, 108, "0000000");
      put(h, 116, "0000000");
      put(h, 124, String.format("%011o", data.length));
      put(h, 136, "00000000000");
      h[156] = (byte) type;
      put(h, 157, link);
      put(h, 257, "ustar");
      put(h, 263, "00");
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      int sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, String.format("%06o", sum));
      out.writeBytes(h);
      out.writeBytes(data);
      out.writeBytes(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int off, String value) {
      byte[] b = value.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(b, 0, h, off, b.length);
    }
  }
}
