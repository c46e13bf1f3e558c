package dev.sandboxd.containerd;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** containerd's content store: blobs addressed by digest, kept while a GC label or lease refers to them. */
public interface ContentStore {
  /** The blob's size and labels, or empty if the store does not hold it. */
  Optional<ContentInfo> info(String digest);

  /** Blobs matching any of the filters (e.g. {@code labels."containerd.io/uncompressed"}); all when none. */
  List<ContentInfo> list(String... filters);

  /** Sets the given labels, leaving others alone; a label with an empty value is removed. */
  ContentInfo updateLabels(String digest, Map<String, String> labels);

  /**
   * Writes {@code expected.size()} bytes from {@code data} as a blob that must hash to {@code
   * expected.digest()} (containerd checks it on commit), with {@code labels}. A blob the store
   * holds already is not written again; its bytes are left unread.
   *
   * @param ref name of the ingest while it is being written; writers of one ref exclude each other
   * @return true if written, false if it existed
   * @throws IOException if reading {@code data} fails or it ends early (the ingest is aborted)
   */
  boolean writeBlob(String ref, InputStream data, Descriptor expected, Map<String, String> labels)
      throws IOException;

  /**
   * The whole blob.
   *
   * @throws dev.sandboxd.errdefs.SandboxdException.ResourceExhausted if it is larger than {@code maxSize}
   */
  byte[] readBlob(String digest, long maxSize);

  /**
   * The blob as a stream, read from containerd as it is consumed; close it to stop early. Reads
   * throw SandboxdException (NotFound, Unavailable, ...) as the other calls do.
   */
  InputStream openBlob(String digest);

  void delete(String digest);

  /** Refs of unfinished writes (ingests). */
  List<String> ingests();

  /** Drops an unfinished write and its data. */
  void abort(String ref);
}
