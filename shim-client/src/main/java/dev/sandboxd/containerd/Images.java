package dev.sandboxd.containerd;

import java.util.List;
import java.util.Map;

/** containerd's image records: a name pointing at a manifest or index in the content store. */
public interface Images {
  ImageRecord create(String name, Descriptor target, Map<String, String> labels);

  /** Points the image at {@code target}; replaces its labels too when {@code labels} is not null. */
  ImageRecord update(String name, Descriptor target, Map<String, String> labels);

  /** @throws dev.sandboxd.errdefs.SandboxdException.NotFound if there is no such image */
  ImageRecord get(String name);

  /** Images matching any of the filters (e.g. {@code name~=^localhost/}); all when none. */
  List<ImageRecord> list(String... filters);

  /** Deletes the record; with {@code sync} the call returns after GC has collected its content. */
  void delete(String name, boolean sync);
}
