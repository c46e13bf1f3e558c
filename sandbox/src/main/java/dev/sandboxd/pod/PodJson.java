package dev.sandboxd.pod;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Renders a pod's spec back in Kubernetes' JSON shape, with the defaults sandboxd filled in. */
public final class PodJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PodJson() {}

  public static ObjectNode spec(PodSpec spec) {
    ObjectNode out = JSON.createObjectNode();
    if (!spec.initContainers().isEmpty()) {
      ArrayNode init = out.putArray("initContainers");
      spec.initContainers().forEach(c -> init.add(container(c)));
    }
    ArrayNode containers = out.putArray("containers");
    spec.containers().forEach(c -> containers.add(container(c)));
    if (!spec.volumes().isEmpty()) {
      ArrayNode volumes = out.putArray("volumes");
      spec.volumes().forEach(v -> volumes.add(volume(v)));
    }
    out.put("restartPolicy", spec.restartPolicy().name());
    out.put("terminationGracePeriodSeconds", spec.terminationGracePeriodSeconds());
    if (spec.shareProcessNamespace()) {
      out.put("shareProcessNamespace", true);
    }
    spec.hostname().ifPresent(h -> out.put("hostname", h));
    dns(out, spec.dns());
    if (spec.hostNetwork()) {
      out.put("hostNetwork", true);
    }
    ObjectNode security = podSecurity(spec.securityContext());
    if (!security.isEmpty()) {
      out.set("securityContext", security);
    }
    return out;
  }

  private static void dns(ObjectNode out, PodDns dns) {
    dns.subdomain().ifPresent(s -> out.put("subdomain", s));
    if (!dns.hostAliases().isEmpty()) {
      ArrayNode aliases = out.putArray("hostAliases");
      for (PodDns.HostAlias a : dns.hostAliases()) {
        ObjectNode alias = aliases.addObject().put("ip", a.ip());
        strings(alias, "hostnames", a.hostnames());
      }
    }
    out.put("dnsPolicy", dns.policy().name());
    dns.config().ifPresent(c -> {
      ObjectNode config = out.putObject("dnsConfig");
      strings(config, "nameservers", c.nameservers());
      strings(config, "searches", c.searches());
      if (!c.options().isEmpty()) {
        ArrayNode options = config.putArray("options");
        c.options().forEach(o -> {
          ObjectNode option = options.addObject().put("name", o.name());
          o.value().ifPresent(v -> option.put("value", v));
        });
      }
    });
  }

  private static ObjectNode container(Container c) {
    ObjectNode out = JSON.createObjectNode();
    out.put("name", c.name());
    out.put("image", c.image());
    strings(out, "command", c.command());
    strings(out, "args", c.args());
    if (!c.env().isEmpty()) {
      ArrayNode env = out.putArray("env");
      c.env().forEach(e -> env.addObject().put("name", e.name()).put("value", e.value()));
    }
    c.workingDir().ifPresent(w -> out.put("workingDir", w));
    if (!c.ports().isEmpty()) {
      ArrayNode ports = out.putArray("ports");
      for (ContainerPort p : c.ports()) {
        ObjectNode port = ports.addObject();
        p.name().ifPresent(n -> port.put("name", n));
        port.put("containerPort", p.containerPort());
        if (p.hostPort() != 0) {
          port.put("hostPort", p.hostPort());
        }
        if (!p.hostIp().isEmpty()) {
          port.put("hostIP", p.hostIp());
        }
        port.put("protocol", p.protocol());
      }
    }
    if (!c.volumeMounts().isEmpty()) {
      ArrayNode mounts = out.putArray("volumeMounts");
      for (VolumeMount m : c.volumeMounts()) {
        ObjectNode mount = mounts.addObject().put("name", m.name()).put("mountPath", m.mountPath());
        if (m.readOnly()) {
          mount.put("readOnly", true);
        }
        m.subPath().ifPresent(s -> mount.put("subPath", s));
      }
    }
    ObjectNode security = containerSecurity(c.securityContext());
    if (!security.isEmpty()) {
      out.set("securityContext", security);
    }
    ObjectNode resources = JSON.createObjectNode();
    quantities(resources, "requests", c.resources().requests());
    quantities(resources, "limits", c.resources().limits());
    if (!resources.isEmpty()) {
      out.set("resources", resources);
    }
    return out;
  }

  /** Sorted by name so the rendering does not depend on map order; quantities as written. */
  private static void quantities(ObjectNode out, String field, Map<String, Quantity> quantities) {
    if (!quantities.isEmpty()) {
      ObjectNode map = out.putObject(field);
      new TreeMap<>(quantities).forEach((name, q) -> map.put(name, q.original()));
    }
  }

  private static ObjectNode volume(Volume v) {
    ObjectNode out = JSON.createObjectNode().put("name", v.name());
    if (v.source() instanceof Volume.HostPath hostPath) {
      ObjectNode source = out.putObject("hostPath").put("path", hostPath.path());
      if (hostPath.type() != Volume.HostPathType.Unset) {
        source.put("type", hostPath.type().manifestName());
      }
    } else if (v.source() instanceof Volume.EmptyDir emptyDir) {
      ObjectNode source = out.putObject("emptyDir");
      if (emptyDir.memoryMedium()) {
        source.put("medium", "Memory");
      }
      emptyDir.sizeLimitBytes().ifPresent(bytes -> source.put("sizeLimit", Long.toString(bytes)));
    }
    return out;
  }

  private static ObjectNode podSecurity(PodSecurityContext s) {
    ObjectNode out = JSON.createObjectNode();
    putLong(out, "runAsUser", s.runAsUser());
    putLong(out, "runAsGroup", s.runAsGroup());
    s.runAsNonRoot().ifPresent(v -> out.put("runAsNonRoot", v));
    if (!s.supplementalGroups().isEmpty()) {
      ArrayNode groups = out.putArray("supplementalGroups");
      s.supplementalGroups().forEach(groups::add);
    }
    return out;
  }

  private static ObjectNode containerSecurity(SecurityContext s) {
    ObjectNode out = JSON.createObjectNode();
    putLong(out, "runAsUser", s.runAsUser());
    putLong(out, "runAsGroup", s.runAsGroup());
    s.runAsNonRoot().ifPresent(v -> out.put("runAsNonRoot", v));
    s.readOnlyRootFilesystem().ifPresent(v -> out.put("readOnlyRootFilesystem", v));
    s.privileged().ifPresent(v -> out.put("privileged", v));
    s.allowPrivilegeEscalation().ifPresent(v -> out.put("allowPrivilegeEscalation", v));
    if (!s.capabilitiesAdd().isEmpty() || !s.capabilitiesDrop().isEmpty()) {
      ObjectNode caps = out.putObject("capabilities");
      strings(caps, "add", s.capabilitiesAdd());
      strings(caps, "drop", s.capabilitiesDrop());
    }
    return out;
  }

  private static void strings(ObjectNode out, String field, List<String> values) {
    if (!values.isEmpty()) {
      ArrayNode array = out.putArray(field);
      values.forEach(array::add);
    }
  }

  private static void putLong(ObjectNode out, String field, Optional<Long> value) {
    value.ifPresent(v -> out.put(field, v));
  }
}
