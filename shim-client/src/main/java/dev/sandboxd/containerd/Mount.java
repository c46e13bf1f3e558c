package dev.sandboxd.containerd;

import containerd.types.MountOuterClass;
import java.util.List;

/** One mount of a rootfs, as snapshotters return it and tasks take it (e.g. type "overlay"). */
public record Mount(String type, String source, String target, List<String> options) {
  public Mount {
    type = nullToEmpty(type);
    source = nullToEmpty(source);
    target = nullToEmpty(target);
    options = options == null ? List.of() : List.copyOf(options);
  }

  static Mount fromProto(MountOuterClass.Mount m) {
    return new Mount(m.getType(), m.getSource(), m.getTarget(), m.getOptionsList());
  }

  MountOuterClass.Mount toProto() {
    return MountOuterClass.Mount.newBuilder()
        .setType(type)
        .setSource(source)
        .setTarget(target)
        .addAllOptions(options)
        .build();
  }

  static List<Mount> fromProtos(List<MountOuterClass.Mount> mounts) {
    return mounts.stream().map(Mount::fromProto).toList();
  }

  static List<MountOuterClass.Mount> toProtos(List<Mount> mounts) {
    return mounts.stream().map(Mount::toProto).toList();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
