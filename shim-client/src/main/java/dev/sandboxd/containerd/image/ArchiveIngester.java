package dev.sandboxd.containerd.image;

import dev.sandboxd.containerd.ContentStore;
import dev.sandboxd.containerd.Descriptor;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * Streams an OCI image layout tar into the content store: every {@code blobs/<alg>/<hex>} entry
 * becomes a blob (containerd verifies the digest on commit), and the layout file and index are
 * read. Blobs come in whatever order the tar has them, so references are checked afterwards.
 */
final class ArchiveIngester {
  static final int MAX_DOCUMENT_SIZE = 8 << 20;

  /** What the archive's index.json lists. */
  record Layout(List<OciDocuments.IndexEntry> index) {}

  private final OciDocuments documents;
  private final long maxBlobSize;

  ArchiveIngester(OciDocuments documents, long maxBlobSize) {
    this.documents = documents;
    this.maxBlobSize = maxBlobSize;
  }

  Layout ingest(ContentStore content, InputStream archive) {
    TarReader tar = new TarReader(archive, maxBlobSize);
    String layoutVersion = null;
    byte[] index = null;
    try {
      for (TarReader.Entry e = tar.next(); e != null; e = tar.next()) {
        if (e.type() != TarReader.Type.REGULAR) {
          continue;
        }
        if (e.name().equals("oci-layout")) {
          layoutVersion = documents.layoutVersion(readDocument(tar, e), "image archive: oci-layout");
        } else if (e.name().equals("index.json")) {
          index = readDocument(tar, e);
        } else if (e.name().startsWith("blobs/")) {
          String digest = blobDigest(e.name());
          try {
            content.writeBlob("sandboxd-import-" + digest, tar.content(), new Descriptor("", digest, e.size()), Map.of());
          } catch (SandboxdException.FailedPrecondition mismatch) {
            // containerd refuses the commit: the bytes do not hash to the name they came under.
            throw new SandboxdException.InvalidArgument(
                "image archive: " + e.name() + " does not match its digest: " + mismatch.getMessage(), mismatch);
          }
        }
      }
    } catch (IOException e) {
      throw SandboxdException.invalidArgument("image archive: %s", e.getMessage());
    }
    if (layoutVersion == null) {
      throw SandboxdException.invalidArgument(
          "image archive: no oci-layout file: not an OCI image layout (Docker's \"docker save\" format is not supported)");
    }
    if (!layoutVersion.equals(OciDocuments.LAYOUT_VERSION)) {
      throw SandboxdException.invalidArgument(
          "image archive: oci-layout: imageLayoutVersion %s is not supported (want %s)",
          layoutVersion, OciDocuments.LAYOUT_VERSION);
    }
    if (index == null) {
      throw SandboxdException.invalidArgument("image archive: no index.json");
    }
    return new Layout(documents.index(index, "image archive: index.json"));
  }

  /** {@code blobs/sha256/<hex>} is {@code sha256:<hex>}. */
  static String blobDigest(String name) throws IOException {
    String[] parts = name.split("/");
    String digest = parts.length == 3 ? parts[1] + ":" + parts[2] : "";
    if (!OciDocuments.isDigest(digest)) {
      throw new IOException("entry " + name + " is not a blob path (blobs/<algorithm>/<hex digest>)");
    }
    return digest;
  }

  private static byte[] readDocument(TarReader tar, TarReader.Entry e) throws IOException {
    if (e.size() > MAX_DOCUMENT_SIZE) {
      throw new IOException(e.name() + " is " + e.size() + " bytes, over the limit of " + MAX_DOCUMENT_SIZE);
    }
    return tar.content().readAllBytes();
  }
}
