package dev.sandboxd.containerd;

import java.util.Optional;

/**
 * containerd 2.x's transfer service, as its CRI plugin and {@code ctr image pull} use it: the
 * daemon resolves, fetches and unpacks an image itself; credentials and progress travel over
 * containerd's streaming service.
 */
public interface Transfers {

  /**
   * Pulls an image from its registry into the image store under its reference and unpacks it
   * for the platform into the snapshotter; returns when the image is stored (containerd names it
   * only once everything is fetched and unpacked, so a failed pull leaves no image). Blocks.
   */
  void pull(Pull pull, Credentials credentials, ProgressListener progress);

  /**
   * @param reference fully qualified (host/repository:tag or @digest)
   * @param hostDir containerd's hosts.toml layout ({@code config_path}) for TLS and mirrors, if any
   * @param os the platform's OS, e.g. linux
   * @param architecture the platform's architecture in OCI terms, e.g. amd64
   */
  record Pull(String reference, Optional<String> hostDir, String snapshotter, String os, String architecture) {}

  /** A registry login as containerd's resolver takes it; an empty username means secret is an identity token. */
  record Credential(String username, String secret) {}

  /** Answers containerd's credential requests (a registry host, e.g. 127.0.0.1:5000). */
  interface Credentials {
    Credentials NONE = host -> Optional.empty();

    Optional<Credential> forHost(String host);
  }

  /** One progress report: an event (e.g. downloading, unpacking, complete) for a named part, in bytes. */
  interface ProgressListener {
    ProgressListener NONE = (event, name, done, total) -> {};

    void progress(String event, String name, long done, long total);
  }
}
