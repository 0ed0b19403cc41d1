package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.hibernate.cache.CacheException;
import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.ClusterCacheHealth;
import dev.clustercache.hibernate.ClusterCacheSettings;

/**
 * Nodes that keep a region differently (another mode, or a near cache on one node only) would serve what the other
 * changed: a write on a node without the near cache does not reach the near copies of a node with one, and a region in
 * local mode hears no invalidation. The nodes compare how they keep their regions: a node that disagrees with a member
 * does not start, and partitions that merge with such a disagreement serve nothing from their caches.
 */
class RegionAgreementIT {

	private static final String ITEM_REGION = Item.class.getName();

	@Test
	void nodeWithANearCacheWhereTheMemberHasNone_failsToStart_namingTheRegionAndTheSetting() {
		Map<String, Object> distributed = Map.of(ClusterCacheSettings.MODE, "distributed",
				ClusterCacheSettings.DISTRIBUTED_L1, "true");
		try (TestCluster cluster = TestCluster.startFirst(RegionAgreementIT.class, 2, distributed)) {
			TestNode a = cluster.node(0);

			assertThatThrownBy(() -> cluster.startNode(1, Map.of(ClusterCacheSettings.DISTRIBUTED_L1, "false")))
					.isInstanceOf(CacheException.class)
					.hasMessageStartingWith("ClusterCache node 'B' keeps regions differently from members of its "
							+ "cluster: region '")
					.hasMessageContaining("region '" + ITEM_REGION + "' is in 'distributed' mode with a near cache on "
							+ "'A' but in 'distributed' mode without a near cache on 'B'")
					.hasMessageContaining("'" + ClusterCacheSettings.DISTRIBUTED_L1 + "' the same on every node")
					.hasMessageEndingWith("Node 'B' does not start.");

			cluster.await("A is alone again and serves from its caches", Duration.ofSeconds(20),
					() -> a.regionFactory().getClusterMembers().size() == 1 && a.regionFactory().isServingFromCache());
			a.inTransaction(s -> s.persist(new Item(1L, "sku-1", "one", 1, null)));
			a.loadIntoCache(Item.class, 1L);
		}
	}

	@Test
	void nodesWhoseModelsDiffer_agreeOnTheRegionsTheyShare_andServeAsSoonAsTheyStart() {
		try (TestCluster cluster = TestCluster.startFirst(RegionAgreementIT.class, 2, Map.of())) {
			TestNode a = cluster.node(0);
			// B maps two of A's four entities: the regions only A has do not matter
			TestNode b = cluster.startNode(1, Map.of(), Item.class, Category.class);
			// A's agreement at B's start counts for B's lease as a heartbeat's answer would: no heartbeat to wait for
			assertThat(b.regionFactory().isServingFromCache()).as("B serves as soon as it has started").isTrue();
			cluster.awaitViews(2);

			a.inTransaction(s -> s.persist(new Item(1L, "sku-1", "one", 1, null)));
			b.loadIntoCache(Item.class, 1L);
			long hits = b.hits(ITEM_REGION);
			assertThat(b.find(Item.class, 1L).price).isEqualTo(1);
			assertThat(b.hits(ITEM_REGION)).as("B's read served from its cache").isEqualTo(hits + 1);
			a.inTransaction(s -> s.find(Item.class, 1L).price = 2);
			assertThat(b.find(Item.class, 1L).price).as("A's update invalidated B's copy").isEqualTo(2);
		}
	}

	@Test
	void partitionsThatMergeWithARegionInAnotherMode_serveNothing_andTheHealthSaysWhy() throws Exception {
		try (TestCluster cluster = TestCluster.startFirst(RegionAgreementIT.class, 2, Map.of())) {
			TestNode a = cluster.node(0);
			a.inTransaction(s -> s.persist(new Item(1L, "sku-1", "one", 1, null)));
			// B discovers only itself, so it starts alone (and its start compares with nobody); A's discovery lists B,
			// so MERGE3 merges the two partitions a few seconds later. A sends nothing while B starts: a discovery
			// request of A's that reached B during its join would make B join A
			String onlyItself = "127.0.0.1[" + cluster.port(1) + "]";
			Network.isolate(a);
			TestNode b;
			try {
				b = cluster.startNode(1, Map.of(ClusterCacheSettings.ENTITY_MODE, "replicated",
						"hibernate.cache.clustercache.jgroups.tcpping.initial_hosts", onlyItself));
			}
			finally {
				Network.heal(a);
			}
			assertThat(b.regionFactory().getClusterMembers()).containsExactly("B");

			cluster.await("A and B merge, and each has found that the other keeps regions differently",
					Duration.ofSeconds(40), () -> cluster.nodes().stream().allMatch(n -> n.regionFactory()
							.getClusterMembers().size() == 2 && n.regionFactory().health().reason().contains(
									"keep regions differently")));
			for (TestNode n : cluster.nodes()) {
				assertThat(n.regionFactory().isServingFromCache()).as(n.name()).isFalse();
				ClusterCacheHealth health = n.regionFactory().health();
				System.out.println("HEALTH of " + n.name() + " after the merge: " + health);
				assertThat(health.isUp()).as(n.name()).isFalse();
				String other = n == a ? "B" : "A";
				assertThat(health.reason()).as(n.name())
						.startsWith("Node '" + n.name() + "' serves nothing from its caches: member(s) [" + other
								+ "] keep regions differently (region '")
						.containsAnyOf("region '" + ITEM_REGION + "' is in 'invalidation' mode on 'A' but in "
								+ "'replicated' mode on 'B'", "region '" + ITEM_REGION + "' is in 'replicated' mode "
								+ "on 'B' but in 'invalidation' mode on 'A'")
						.contains("'" + ClusterCacheSettings.ENTITY_MODE + "'");
			}
			long hits = a.hits(ITEM_REGION);
			assertThat(a.find(Item.class, 1L).price).isEqualTo(1);
			assertThat(a.find(Item.class, 1L).price).isEqualTo(1);
			assertThat(a.hits(ITEM_REGION)).as("A read the database, not its cache").isEqualTo(hits);

			b.close();
			cluster.await("A, alone again, serves from its caches", Duration.ofSeconds(20),
					() -> a.regionFactory().getClusterMembers().size() == 1 && a.regionFactory().isServingFromCache());
			assertThat(a.regionFactory().health().isUp()).isTrue();
		}
	}
}
