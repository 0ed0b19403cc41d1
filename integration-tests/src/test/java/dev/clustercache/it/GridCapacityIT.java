package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.infinispan.AdvancedCache;
import org.infinispan.context.Flag;
import org.infinispan.distribution.ch.ConsistentHash;
import org.infinispan.topology.CacheTopology;
import org.junit.jupiter.api.Test;

/**
 * A distributed region with two owners is a partitioned grid: as nodes join, each holds a smaller share (every entry
 * on exactly two nodes), a joiner receives its share by state transfer and serves it without the database, and a
 * crashed node loses no entry.
 */
class GridCapacityIT {

	private static final int ITEMS = 400;
	private static final String REGION = Item.class.getName();

	@Test
	void distributedWithTwoOwners_entriesPerNodeFallAsNodesJoin_andACrashLosesNoEntry() throws Exception {
		Map<String, Object> settings = Map.of("hibernate.cache.clustercache.mode", "distributed",
				"hibernate.cache.clustercache.distributed.owners", "2");
		try (TestCluster cluster = TestCluster.start(GridCapacityIT.class, 2, settings)) {
			List<TestNode> nodes = new ArrayList<>(cluster.nodes());
			TestNode a = nodes.get(0);
			a.inTransaction(s -> {
				for (long id = 1; id <= ITEMS; id++) {
					s.persist(new Item(id, "sku-" + id, "item " + id, 1, null));
				}
			});
			List<Long> held = new ArrayList<>();
			List<Long> perNode = perNode(cluster, nodes);
			held.add(max(perNode));
			System.out.printf("MEASURED: distributed owners=2, %d entries, 2 nodes hold %s%n", ITEMS, perNode);
			assertThat(perNode).allMatch(n -> n == ITEMS);

			List<TestNode> joined = new ArrayList<>();
			try {
				for (int size = 3; size <= 4; size++) {
					long started = System.nanoTime();
					TestNode joiner = join(cluster, nodes, size);
					joined.add(joiner);
					nodes.add(joiner);
					perNode = perNode(cluster, nodes);
					long joinMillis = (System.nanoTime() - started) / 1_000_000;
					System.out.printf("MEASURED: distributed owners=2, %d entries, %d nodes hold %s (join with state "
							+ "transfer %d ms)%n", ITEMS, size, perNode, joinMillis);
					assertThat(perNode.stream().mapToLong(Long::longValue).sum()).as("two copies of each entry")
							.isEqualTo(2L * ITEMS);
					assertThat(max(perNode)).as("entries per node fall as nodes join").isLessThan(held.get(held.size() - 1));
					held.add(max(perNode));

					long hits = joiner.hits(REGION);
					long loads = joiner.statistics().getEntityLoadCount();
					for (long id = 1; id <= ITEMS; id += 7) {
						assertThat(joiner.find(Item.class, id).price).isEqualTo(1);
					}
					assertThat(joiner.statistics().getEntityLoadCount()).as("the joiner served from the grid")
							.isEqualTo(loads);
					assertThat(joiner.hits(REGION)).isEqualTo(hits + (ITEMS + 6) / 7);
				}

				TestNode victim = nodes.get(1);
				Network.crash(victim);
				nodes.remove(victim);
				cluster.await("the others exclude the crashed node", Duration.ofSeconds(30),
						() -> nodes.stream().allMatch(n -> n.regionFactory().getClusterMembers().size() == 3));
				perNode = perNode(cluster, nodes);
				System.out.printf("MEASURED: distributed owners=2, after a crash 3 nodes hold %s%n", perNode);
				TestNode reader = nodes.get(0);
				long loads = reader.statistics().getEntityLoadCount();
				for (long id = 1; id <= ITEMS; id++) {
					assertThat(reader.sessionFactory().getCache().containsEntity(Item.class, id)).as("entry " + id)
							.isTrue();
				}
				assertThat(reader.statistics().getEntityLoadCount()).isEqualTo(loads);
				assertThat(perNode.stream().mapToLong(Long::longValue).sum()).as("two copies again")
						.isEqualTo(2L * ITEMS);
				victim.close();
			}
			finally {
				joined.forEach(TestNode::close);
			}
		}
	}

	private static AdvancedCache<Object, Object> cache(TestNode node) {
		return GridClusterIT.regionCache(node, REGION).getAdvancedCache();
	}

	/**
	 * Entries held by each node (primary and backup copies), once the grid has settled: every node has installed the
	 * same topology, with all of the nodes as members, no rebalance phase and every segment on two owners. (After a
	 * crash Infinispan first installs a topology without the dead node, with no rebalance in progress yet, and only
	 * then rebalances to restore the second copies; a check on "no rehash in progress" alone can pass in between.)
	 * Old owners drop the segments they lost just after the rebalance ends, so this also waits until the counts sum to
	 * two copies per entry.
	 */
	private static List<Long> perNode(TestCluster cluster, List<TestNode> nodes) {
		cluster.await("rebalance finished on " + nodes.size() + " nodes", Duration.ofSeconds(30),
				() -> settled(nodes));
		cluster.await("the old owners dropped the segments they lost: two copies of each of " + ITEMS + " entries",
				Duration.ofSeconds(10), () -> localSizes(nodes).stream().mapToLong(Long::longValue).sum() == 2L * ITEMS);
		return localSizes(nodes);
	}

	/** Waits until the region's cache has the same stable topology on every node, with every node in it. */
	static void awaitSettled(TestCluster cluster, List<TestNode> nodes, String region) {
		cluster.await("the topology of '" + region + "' settled on " + nodes.size() + " nodes", Duration.ofSeconds(30),
				() -> settled(nodes, n -> GridClusterIT.regionCache(n, region).getAdvancedCache()));
	}

	private static boolean settled(List<TestNode> nodes) {
		return settled(nodes, GridCapacityIT::cache);
	}

	private static boolean settled(List<TestNode> nodes, Function<TestNode, AdvancedCache<Object, Object>> caches) {
		Set<Integer> topologyIds = new HashSet<>();
		for (TestNode n : nodes) {
			AdvancedCache<Object, Object> cache = caches.apply(n);
			var clustering = cache.getCacheConfiguration().clustering();
			int owners = clustering.cacheMode().isReplicated() ? nodes.size()
					: Math.min(clustering.hash().numOwners(), nodes.size());
			CacheTopology topology = cache.getDistributionManager().getCacheTopology();
			ConsistentHash ch = topology.getCurrentCH();
			if (topology.getPhase() != CacheTopology.Phase.NO_REBALANCE || topology.getPendingCH() != null
					|| ch.getMembers().size() != nodes.size()) {
				return false;
			}
			for (int segment = 0; segment < ch.getNumSegments(); segment++) {
				if (ch.locateOwnersForSegment(segment).size() != owners) {
					return false;
				}
			}
			topologyIds.add(topology.getTopologyId());
		}
		return topologyIds.size() == 1;
	}

	private static List<Long> localSizes(List<TestNode> nodes) {
		return nodes.stream().map(n -> (long) cache(n).withFlags(Flag.CACHE_MODE_LOCAL).size()).toList();
	}

	private static long max(List<Long> values) {
		return values.stream().mapToLong(Long::longValue).max().orElseThrow();
	}

	/** Starts one more node on a free port, pointed at the members' ports, and waits for every node to see it. */
	private static TestNode join(TestCluster cluster, List<TestNode> nodes, int size) {
		int port = TestCluster.freePorts(1).get(0);
		Map<String, Object> s = new HashMap<>(cluster.settings(1));
		String name = TestCluster.nodeName(size - 1);
		s.put("hibernate.cache.clustercache.node_name", name);
		s.put("hibernate.cache.clustercache.jgroups.bind_port", String.valueOf(port));
		s.put("hibernate.cache.clustercache.jgroups.tcpping.initial_hosts",
				s.get("hibernate.cache.clustercache.jgroups.tcpping.initial_hosts") + ",127.0.0.1[" + port + "]");
		TestNode node = TestNode.start(name, s);
		List<TestNode> all = new ArrayList<>(nodes);
		all.add(node);
		cluster.await("every node sees " + size + " members", TestCluster.VIEW_DEADLINE,
				() -> all.stream().allMatch(n -> n.regionFactory().getClusterMembers().size() == size));
		return node;
	}
}
