package dev.sandboxd.pod;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The fields one kind of manifest object accepts, plus the ones refused outright with a reason
 * (dropping them would silently change what the pod does). Any other field is unknown or not
 * supported yet: an error, or a warning in lenient mode. Supporting a new field means adding
 * it here and reading it.
 */
record FieldSet(Set<String> accepted, Map<String, String> refused) {

  FieldSet {
    accepted = Set.copyOf(accepted);
    refused = Map.copyOf(refused);
  }

  static FieldSet of(String... accepted) {
    return new FieldSet(Set.of(accepted), Map.of());
  }

  FieldSet refusing(String field, String reason) {
    Map<String, String> more = new HashMap<>(refused);
    more.put(field, reason);
    return new FieldSet(accepted, more);
  }
}
