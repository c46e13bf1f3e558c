package dev.sandboxd.containerd;

import java.util.List;

/** containerd's event stream. */
public interface Events {
  /**
   * Streams the events of this connection's namespace that match any of the filters (containerd
   * filter syntax, e.g. {@code topic=="/tasks/exit"}; all topics when none) to {@code listener},
   * until the subscription is closed or the stream ends.
   *
   * <p>Events published before containerd has registered the stream are not delivered: a caller
   * that must not miss one (a supervisor) subscribes first, then reconciles with {@link
   * Tasks#get}/{@link Tasks#list}, and does so again after re-subscribing.
   */
  Subscription subscribe(List<String> filters, EventListener listener);
}
