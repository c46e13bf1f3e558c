package dev.sandboxd.state;

import java.util.List;
import java.util.Optional;

/** sandboxd's own records, one per pod, keyed by pod uid. Writes are atomic. */
public interface PodStore {
  void save(PodRecord record);

  Optional<PodRecord> get(String uid);

  List<PodRecord> list();

  void delete(String uid);
}
