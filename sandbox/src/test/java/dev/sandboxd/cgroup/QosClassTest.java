package dev.sandboxd.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.pod.PodManifests;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** kubelet's QoS classes; each row is the containers' resources, `|` between containers. */
class QosClassTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = ';', value = {
    "{};                                                                  BestEffort",
    "{} | {};                                                             BestEffort",
    "{limits: {cpu: 100m, memory: 64Mi}};                                 Guaranteed",
    "{limits: {cpu: 100m, memory: 64Mi}, requests: {cpu: 100m, memory: 64Mi}}; Guaranteed",
    "{limits: {cpu: 100m, memory: 64Mi}} | {limits: {cpu: '1', memory: 1Gi}}; Guaranteed",
    "{limits: {cpu: 100m, memory: 64Mi}, requests: {cpu: 50m}};           Burstable",
    "{limits: {cpu: 100m}};                                               Burstable",
    "{requests: {memory: 64Mi}};                                          Burstable",
    "{limits: {cpu: 100m, memory: 64Mi}} | {};                            Burstable",
    "{limits: {hugepages-2Mi: 2Mi}};                                      BestEffort",
    "{requests: {cpu: '0'}};                                              BestEffort",
    "{limits: {cpu: 100m, memory: 64Mi, hugepages-2Mi: 2Mi}};             Guaranteed",
  })
  void classOf(String containers, QosClass expected) {
    assertEquals(expected, QosClass.of(PodManifests.withRandomUids().parse(manifest(containers), false).pod()));
  }

  static String manifest(String containers) {
    StringBuilder out = new StringBuilder("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n");
    String[] each = containers.split("\\|");
    for (int i = 0; i < each.length; i++) {
      out.append("  - {name: c").append(i).append(", image: busybox, resources: ").append(each[i].trim()).append("}\n");
    }
    return out.toString();
  }
}
