package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.ClusterCacheHealth;
import dev.clustercache.hibernate.ClusterCacheHealth.Status;

/**
 * Issue 8: {@code ClusterCacheRegionFactory#health()} turns DEGRADED, with the reason, when a node hears nothing from
 * the cluster for longer than its lease, and UP again once it hears from every member; after a split, UP again after
 * the merge, which the node's figures record.
 */
class HealthIT {

	private static final String CLUSTER = HealthIT.class.getSimpleName();

	@Test
	void nodeThatHearsNothingForLongerThanTheLease_isDegradedWithTheReason_andUpAgainAfterHealing() throws Exception {
		// failure detection far away (30 s), a short lease (2 s): B stays in the view while its lease runs out
		Map<String, Object> slowDetection = Map.of(
				"hibernate.cache.clustercache.jgroups.fd.timeout", "30s",
				"hibernate.cache.clustercache.invalidation_timeout", "70s",
				"hibernate.cache.clustercache.lease", "2s");
		try (TestCluster cluster = TestCluster.start(HealthIT.class, 2, slowDetection)) {
			TestNode a = cluster.node(0);
			TestNode b = cluster.node(1);
			assertThat(b.regionFactory().health()).isEqualTo(ClusterCacheHealth.up());

			Network.deafen(b);
			cluster.await("B's health turns DEGRADED", Duration.ofSeconds(10),
					() -> b.regionFactory().health().status() == Status.DEGRADED);
			ClusterCacheHealth health = b.regionFactory().health();
			System.out.println("HEALTH of B while deaf: " + health);
			assertThat(health.reason()).startsWith("Node 'B' serves nothing from its caches: it has not heard from "
					+ "every member of its view [A, B] within its lease of 2000 ms (expired, A");
			assertThat(health.reason()).endsWith("check the network between this node and those members.");
			ObjectName mbean = new ObjectName("dev.clustercache:type=Node,cluster=" + CLUSTER + ",node=B");
			assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, "Health")).isEqualTo("DEGRADED");
			assertThat((String) ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, "HealthReason"))
					.startsWith("Node 'B' serves nothing from its caches");
			assertThat(a.regionFactory().health().isUp()).as("A still hears B").isTrue();

			Network.heal(b);
			cluster.await("B's health is UP again", Duration.ofSeconds(10), () -> b.regionFactory().health().isUp());
			assertThat(b.regionFactory().health().reason()).isEmpty();
			assertThat(b.regionFactory().statistics().merges()).as("no view change, no merge").isZero();
		}
	}

	@Test
	void splitAndMerge_isUpAfterTheMerge_andTheMergeIsRecorded() throws Exception {
		try (TestCluster cluster = TestCluster.start(HealthIT.class, 2)) {
			TestNode a = cluster.node(0);
			TestNode b = cluster.node(1);
			long beforeSplit = System.currentTimeMillis();

			Network.isolate(b);
			cluster.await("the cluster splits into A and B", Duration.ofSeconds(20),
					() -> a.regionFactory().getClusterMembers().size() == 1
							&& b.regionFactory().getClusterMembers().size() == 1);
			Network.heal(b);
			cluster.await("A and B merge, and both are UP", Duration.ofSeconds(40),
					() -> cluster.nodes().stream().allMatch(n -> n.regionFactory().getClusterMembers().size() == 2
							&& n.regionFactory().health().isUp()));
			for (TestNode node : cluster.nodes()) {
				assertThat(node.regionFactory().statistics().merges()).as(node.name()).isEqualTo(1);
				assertThat(node.regionFactory().statistics().lastMergeTime()).as(node.name())
						.isBetween(beforeSplit, System.currentTimeMillis());
			}
		}
	}
}
