package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jgroups.JChannel;
import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.ClusterCacheSettings;
import dev.clustercache.hibernate.jgroups.JGroupsStacks;

/**
 * DESIGN.md §4.5 on real JGroups channels on 127.0.0.1: crashed and frozen members, a node that hears nothing, and a
 * split that heals. Faults come from JGroups' DISCARD protocol inserted above the transport.
 */
class MembershipIT {

	private static final Duration FAILURE_DETECTION = Duration.ofSeconds(20);

	private static long seed(TestNode writer, long id, int price) {
		writer.inTransaction(s -> s.persist(new Item(id, "sku-" + id, "item " + id, price, null)));
		return id;
	}

	private static void update(TestNode node, long id, int price) {
		node.inTransaction(s -> s.find(Item.class, id).price = price);
	}

	@Test
	void crashedMember_blocksWritersNoLongerThanFailureDetection() throws Exception {
		try (TestCluster cluster = TestCluster.start(MembershipIT.class, 3)) {
			TestNode a = cluster.node(0);
			TestNode b = cluster.node(1);
			TestNode c = cluster.node(2);
			long id = seed(a, 1, 1);
			assertThat(b.find(Item.class, id).price).isEqualTo(1);
			assertThat(c.find(Item.class, id).price).isEqualTo(1);

			Network.crash(c);
			long start = System.nanoTime();
			update(a, id, 2);
			long stalledMillis = (System.nanoTime() - start) / 1_000_000;
			System.out.printf("MEASURED: a write on A with member C crashed took %d ms (failure detection)%n",
					stalledMillis);

			assertThat(Duration.ofMillis(stalledMillis)).isLessThan(FAILURE_DETECTION);
			assertThat(b.find(Item.class, id).price).isEqualTo(2);
			cluster.await("A and B see two members", FAILURE_DETECTION,
					() -> a.regionFactory().getClusterMembers().size() == 2
							&& b.regionFactory().getClusterMembers().size() == 2);
		}
	}

	@Test
	void frozenMember_blocksAWriterUntilTheViewExcludesIt_andServesNothingStaleAfterItsReturn() throws Exception {
		try (TestCluster cluster = TestCluster.start(MembershipIT.class, 3)) {
			TestNode a = cluster.node(0);
			TestNode c = cluster.node(2);
			long id = seed(a, 2, 1);
			assertThat(c.loadIntoCache(Item.class, id).price).isEqualTo(1);

			Network.isolate(c);
			long start = System.nanoTime();
			update(a, id, 2);
			long stalledMillis = (System.nanoTime() - start) / 1_000_000;
			System.out.printf("MEASURED: a write on A with member C frozen took %d ms (until the view excluded C)%n",
					stalledMillis);
			assertThat(Duration.ofMillis(stalledMillis)).isLessThan(FAILURE_DETECTION);

			Network.heal(c);
			cluster.await("C merges back", Duration.ofSeconds(40),
					() -> cluster.nodes().stream().allMatch(n -> n.regionFactory().getClusterMembers().size() == 3));
			assertThat(c.find(Item.class, id).price).isEqualTo(2);
		}
	}

	/**
	 * A member in the view that drops the write's opening, as a node does between connecting its channel and opening
	 * ClusterCache's fork channel on it (here a bare channel of the same stack that never opens one). The first round
	 * of an opening is sent before the commit and awaited later; a future of JGroups completes on its own only once
	 * every member answered or left the view, so before the bounded wait the writer waited for ever. Now it asks again
	 * every 2 s and fails the write at the invalidation timeout, naming the member and the setting.
	 */
	@Test
	void memberThatDropsAnOpening_failsTheWriteAtTheInvalidationTimeout_insteadOfBlockingIt() throws Exception {
		Map<String, Object> shortTimeouts = Map.of(
				"hibernate.cache.clustercache.jgroups.fd.timeout", "3s",
				"hibernate.cache.clustercache.invalidation_timeout", "10s");
		try (TestCluster cluster = TestCluster.startFirst(MembershipIT.class, 2, shortTimeouts)) {
			TestNode a = cluster.node(0);
			long id = seed(a, 4, 1);
			// node B's JGroups properties, named as the region factory hands them to the stack
			Map<String, String> stack = new HashMap<>();
			cluster.settings(1).forEach((k, v) -> {
				if (k.startsWith(ClusterCacheSettings.JGROUPS_PROPERTY_PREFIX)) {
					stack.put(k.substring(ClusterCacheSettings.PREFIX.length()), String.valueOf(v));
				}
			});
			try (JChannel bare = JGroupsStacks.newChannel("localhost", stack, getClass().getClassLoader())) {
				bare.name("bare");
				bare.connect(MembershipIT.class.getSimpleName());
				cluster.await("A sees the bare member", Duration.ofSeconds(20),
						() -> a.regionFactory().getClusterMembers().size() == 2);

				long start = System.nanoTime();
				assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(() -> update(a, id, 2))
						.hasStackTraceContaining("could not open a write window")
						.hasStackTraceContaining("bare")
						.hasStackTraceContaining("within 10000 ms")
						.hasStackTraceContaining("'hibernate.cache.clustercache.invalidation_timeout'"),
						() -> "the write still waits for the bare member. Nodes: " + cluster.describe());
				long failedAfterMillis = (System.nanoTime() - start) / 1_000_000;
				System.out.printf("MEASURED: a write on A with a member that drops its opening failed after %d ms%n",
						failedAfterMillis);
				assertThat(failedAfterMillis).isGreaterThanOrEqualTo(9_000);
				assertThat(a.find(Item.class, id).price).as("the failed write rolled back").isEqualTo(1);
			}
			cluster.await("A sees itself alone", Duration.ofSeconds(20),
					() -> a.regionFactory().getClusterMembers().size() == 1);
			update(a, id, 3);
			assertThat(a.find(Item.class, id).price).isEqualTo(3);
		}
	}

	@Test
	void nodeThatHearsNothingForLongerThanTheLease_servesNoCachedEntry() throws Exception {
		// failure detection far away (30 s), a short lease (2 s): the node stays in the view while its lease runs out
		Map<String, Object> slowDetection = Map.of(
				"hibernate.cache.clustercache.jgroups.fd.timeout", "30s",
				"hibernate.cache.clustercache.invalidation_timeout", "70s",
				"hibernate.cache.clustercache.lease", "2s");
		try (TestCluster cluster = TestCluster.start(MembershipIT.class, 2, slowDetection)) {
			TestNode a = cluster.node(0);
			TestNode b = cluster.node(1);
			long id = seed(a, 3, 1);
			assertThat(b.loadIntoCache(Item.class, id).price).isEqualTo(1);
			long hits = b.hits(InvalidationClusterIT.ITEMS);
			assertThat(b.find(Item.class, id).price).isEqualTo(1);
			assertThat(b.hits(InvalidationClusterIT.ITEMS)).isEqualTo(hits + 1);

			Network.deafen(b);
			cluster.await("B's lease runs out", Duration.ofSeconds(10),
					() -> !b.regionFactory().isServingFromCache());
			long hitsWhileDeaf = b.hits(InvalidationClusterIT.ITEMS);
			assertThat(b.find(Item.class, id).price).isEqualTo(1);
			assertThat(b.hits(InvalidationClusterIT.ITEMS)).as("B reads the database, not its cache")
					.isEqualTo(hitsWhileDeaf);

			Network.heal(b);
			cluster.await("B serves from its cache again", Duration.ofSeconds(10),
					() -> b.regionFactory().isServingFromCache());
		}
	}

	@Test
	void splitAndMerge_clearsEveryNodesDomainRegions() throws Exception {
		try (TestCluster cluster = TestCluster.start(MembershipIT.class, 2)) {
			TestNode a = cluster.node(0);
			TestNode b = cluster.node(1);
			long id = seed(a, 4, 1);
			long other = seed(a, 5, 1);
			assertThat(b.find(Item.class, id).price).isEqualTo(1);
			assertThat(b.find(Item.class, other).price).isEqualTo(1);
			assertThat(a.find(Item.class, other).price).isEqualTo(1);

			Network.isolate(b);
			cluster.await("the cluster splits into A and B", FAILURE_DETECTION,
					() -> a.regionFactory().getClusterMembers().size() == 1
							&& b.regionFactory().getClusterMembers().size() == 1);
			update(a, id, 2); // B never hears of it: the documented 'available' window until the merge

			Network.heal(b);
			cluster.await("A and B merge", Duration.ofSeconds(40),
					() -> a.regionFactory().getClusterMembers().size() == 2
							&& b.regionFactory().getClusterMembers().size() == 2);
			assertThat(b.sessionFactory().getCache().containsEntity(Item.class, id)).isFalse();
			assertThat(b.sessionFactory().getCache().containsEntity(Item.class, other)).isFalse();
			assertThat(a.sessionFactory().getCache().containsEntity(Item.class, other)).isFalse();
			assertThat(b.find(Item.class, id).price).isEqualTo(2);
		}
	}

	@Test
	void aJoiningNode_servesNoStaleQueryResult() throws Exception {
		try (TestCluster cluster = TestCluster.start(MembershipIT.class, 2)) {
			TestNode a = cluster.node(0);
			long id = seed(a, 6, 1);
			update(a, id, 2);
			cluster.node(1).close();
			TestNode b = cluster.restart(1); // it knows no timestamps of A's earlier writes, and caches no result yet

			List<Integer> first = prices(b, id);
			assertThat(first).containsExactly(2);
			update(a, id, 3);
			assertThat(prices(b, id)).containsExactly(3);
		}
	}

	private static List<Integer> prices(TestNode node, long id) {
		return node.fromTransaction(s -> s.createQuery("select i.price from Item i where i.id = :id", Integer.class)
				.setParameter("id", id).setCacheable(true).getResultList());
	}
}
