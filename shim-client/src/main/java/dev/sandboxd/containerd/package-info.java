/**
 * A typed client for containerd's gRPC API.
 *
 * <p>{@link dev.sandboxd.containerd.ContainerdConnection#open} makes one channel over containerd's
 * unix socket; every call carries the connection's namespace ({@code containerd-namespace}
 * header) and a deadline. The service clients ({@link dev.sandboxd.containerd.Containers},
 * {@link dev.sandboxd.containerd.Tasks}, {@link dev.sandboxd.containerd.ContentStore},
 * {@link dev.sandboxd.containerd.Images}, {@link dev.sandboxd.containerd.Snapshots},
 * {@link dev.sandboxd.containerd.Diffs}, {@link dev.sandboxd.containerd.Leases},
 * {@link dev.sandboxd.containerd.Events}) are small interfaces taking and returning records, so
 * callers can fake them; every gRPC failure becomes a
 * {@link dev.sandboxd.errdefs.SandboxdException}. {@link dev.sandboxd.containerd.Containerd#withLease}
 * gives a view whose calls run inside a lease ({@code containerd-lease} header), which is how
 * multi-step work (image import, rootfs + container creation) stays safe from containerd's
 * garbage collector until its results are referenced.
 */
package dev.sandboxd.containerd;
