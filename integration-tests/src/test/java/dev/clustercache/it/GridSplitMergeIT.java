package dev.clustercache.it;

import static dev.clustercache.it.InvalidationClusterIT.priceOn;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.infinispan.Cache;
import org.infinispan.context.Flag;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.clustercache.it.GridClusterIT.Mode;

/**
 * DESIGN.md §4.5 in replicated and distributed regions: three nodes split into A, B and a cut-off C; each side commits
 * a change the other never hears of (the documented 'available' window until the merge); after the merge no node
 * serves either old state, neither from its own copy nor from one that the grid's merge brought back, and the new
 * states are cached in the grid again.
 */
class GridSplitMergeIT {

	private static final Duration FAILURE_DETECTION = Duration.ofSeconds(20);
	private static final Duration MERGE = Duration.ofSeconds(40);

	@ParameterizedTest
	@EnumSource(value = Mode.class, names = { "REPLICATED", "DISTRIBUTED" })
	void changesOnBothSidesOfASplit_areNeverServedStaleAfterTheMerge(Mode mode) throws Exception {
		try (TestCluster cluster = TestCluster.start(GridSplitMergeIT.class, mode.name(), 3, mode.settings)) {
			TestNode a = cluster.node(0);
			TestNode b = cluster.node(1);
			TestNode c = cluster.node(2);
			long onMajority = 1;
			long onMinority = 2;
			a.inTransaction(s -> {
				s.persist(new Item(onMajority, "sku-1", "item 1", 1, null));
				s.persist(new Item(onMinority, "sku-2", "item 2", 1, null));
			});
			for (TestNode n : cluster.nodes()) {
				assertThat(priceOn(n, onMajority)).isEqualTo(1);
				assertThat(priceOn(n, onMinority)).isEqualTo(1);
			}

			// what a node held before the split, to play back after the merge as the merge's state transfer or conflict
			// resolution could deliver it from a node that had not cleared yet
			Map<TestNode, Object> before = new HashMap<>();
			for (TestNode n : cluster.nodes()) {
				Object raw = local(n).get(new Access(n).key(onMinority));
				if (raw != null) {
					before.put(n, raw);
				}
			}
			assertThat(before).as("copies of item 2 before the split").isNotEmpty();

			Network.isolate(c);
			cluster.await("the cluster splits into A, B and C", FAILURE_DETECTION,
					() -> a.regionFactory().getClusterMembers().size() == 2
							&& c.regionFactory().getClusterMembers().size() == 1);
			a.inTransaction(s -> s.find(Item.class, onMajority).price = 2);
			cluster.await("C serves from its cache again, alone", FAILURE_DETECTION,
					() -> c.regionFactory().isServingFromCache());
			c.inTransaction(s -> s.find(Item.class, onMinority).price = 3);
			assertThat(priceOn(c, onMinority)).isEqualTo(3);
			assertThat(priceOn(a, onMajority)).isEqualTo(2);

			Network.heal(c);
			cluster.await("A, B and C merge and serve from their caches", MERGE,
					() -> cluster.nodes().stream().allMatch(n -> n.regionFactory().getClusterMembers().size() == 3
							&& n.regionFactory().isServingFromCache()));
			GridCapacityIT.awaitSettled(cluster, cluster.nodes(), GridClusterIT.ITEMS);

			// the old state of item 2 arrives late on every node (it holds the key's pre-split record again)
			Object stale = before.values().iterator().next();
			for (TestNode n : cluster.nodes()) {
				local(n).put(new Access(n).key(onMinority), stale);
			}
			for (int round = 0; round < 2; round++) { // the second round reads what the first one cached
				for (TestNode n : cluster.nodes()) {
					assertThat(priceOn(n, onMajority)).as(n.name() + ", the change on A's side").isEqualTo(2);
					assertThat(priceOn(n, onMinority)).as(n.name() + ", the change on C's side").isEqualTo(3);
				}
			}
			assertThat(local(b).get(new Access(b).key(onMinority))).as("the late copy was replaced in the grid")
					.isNotEqualTo(stale);
			long hits = b.hits(GridClusterIT.ITEMS);
			long loads = b.statistics().getEntityLoadCount();
			assertThat(priceOn(b, onMinority)).isEqualTo(3);
			assertThat(b.hits(GridClusterIT.ITEMS)).as("the new state is cached in the grid again").isEqualTo(hits + 1);
			assertThat(b.statistics().getEntityLoadCount()).isEqualTo(loads);
		}
	}

	/** The node's own copies of the item region's entries, as stored (no remote call, no lock). */
	private static Cache<Object, Object> local(TestNode node) {
		return GridClusterIT.regionCache(node, GridClusterIT.ITEMS).getAdvancedCache()
				.withFlags(Flag.CACHE_MODE_LOCAL, Flag.SKIP_LOCKING);
	}
}
