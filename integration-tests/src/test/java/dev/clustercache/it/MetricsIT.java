package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.hibernate.Session;
import org.hibernate.stat.CacheRegionStatistics;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.clustercache.hibernate.ClusterCacheMeterBinder;
import dev.clustercache.hibernate.ClusterCacheStatistics;

/**
 * Issue 8: after a known sequence of operations on A and B, every figure of the entity region and of the nodes is
 * exact, read through Micrometer ({@link ClusterCacheMeterBinder}) and through the platform MBean server.
 */
class MetricsIT {

	private static final String ITEMS = InvalidationClusterIT.ITEMS;
	private static final String CLUSTER = MetricsIT.class.getSimpleName();
	private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

	/** The expected figures of one region on one node. */
	private record Expected(long hits, long misses, long puts, long rejectedInFlight, long rejectedStale,
			long rejectedLease, long sent, long received, long size) {
	}

	@Test
	void knownSequenceOnAAndB_isCountedExactly_inMicrometerAndJmx() throws Exception {
		try (TestCluster cluster = TestCluster.start(MetricsIT.class, 2)) {
			TestNode a = cluster.node(0);
			TestNode b = cluster.node(1);
			MeterRegistry registry = new SimpleMeterRegistry();
			new ClusterCacheMeterBinder(a.regionFactory()).bindTo(registry);
			new ClusterCacheMeterBinder(b.sessionFactory()).bindTo(registry);

			long id = 1;
			// A: insert; Hibernate first looks the assigned id up in the cache (miss), then the insert opens a window
			// on B (sent 1 / received 1) and A caches the committed state (put)
			a.inTransaction(s -> s.persist(new Item(id, "sku-1", "item 1", 1, null)));
			cluster.awaitWindowsEnded(b);
			// B: miss and put, then hit
			assertThat(b.find(Item.class, id).price).isEqualTo(1);
			assertThat(b.find(Item.class, id).price).isEqualTo(1);
			// B: a transaction that began before A's update loads afterwards: miss, rejected as a stale load
			try (Session before = b.sessionFactory().openSession()) {
				before.beginTransaction();
				// A: hit, update (sent 2 / received 2), put of the committed state
				a.inTransaction(s -> s.find(Item.class, id).price = 2);
				cluster.awaitWindowsEnded(b);
				assertThat(before.find(Item.class, id).price).isEqualTo(2);
				before.getTransaction().commit();
			}
			// B: miss and put of the new state
			assertThat(b.find(Item.class, id).price).isEqualTo(2);

			Expected onA = new Expected(1, 1, 2, 0, 0, 0, 2, 0, 1);
			Expected onB = new Expected(1, 3, 2, 0, 1, 0, 0, 2, 1);
			assertRegionInMicrometer(registry, "A", onA);
			assertRegionInMicrometer(registry, "B", onB);
			assertRegionInJmx("A", onA);
			assertRegionInJmx("B", onB);
			assertSameAsHibernate(a, onA, 1); // Hibernate does not count its lookup of an assigned id as a miss
			assertSameAsHibernate(b, onB, 0);

			// nodes: two members, lease valid, no merge; A timed each round trip it made, B made none
			long callsOfA = a.regionFactory().statistics().regions().stream()
					.mapToLong(ClusterCacheStatistics.Region::invalidationsSent).sum();
			assertThat(callsOfA).as("A's synchronous calls: the two windows on Item, those on its natural id")
					.isGreaterThanOrEqualTo(2);
			for (TestNode node : cluster.nodes()) {
				String n = node.name();
				long calls = n.equals("A") ? callsOfA : 0;
				assertThat(registry.get("clustercache.cluster.members").tags("node", n).gauge().value()).isEqualTo(2);
				assertThat(registry.get("clustercache.lease.valid").tags("node", n).gauge().value()).isEqualTo(1);
				assertThat(registry.get("clustercache.members.refused").tags("node", n).gauge().value()).isZero();
				assertThat(registry.get("clustercache.cluster.merges").tags("node", n).functionCounter().count())
						.isZero();
				assertThat(registry.get("clustercache.cluster.merge.last").tags("node", n).gauge().value()).isZero();
				FunctionTimer timer = registry.get("clustercache.invalidation.duration").tags("node", n, "cluster",
						CLUSTER).functionTimer();
				// one round trip per transaction (A's insert and update): its windows (entity, natural id, query
				// spaces) travel in one message right before its commit
				long roundTrips = n.equals("A") ? 2 : 0;
				assertThat(timer.count()).isEqualTo(roundTrips);
				assertThat(timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) > 0).isEqualTo(calls > 0);

				ObjectName mbean = nodeName(n);
				assertThat((String[]) JMX.getAttribute(mbean, "Members")).containsExactly("A", "B");
				assertThat(JMX.getAttribute(mbean, "MemberCount")).isEqualTo(2);
				assertThat(JMX.getAttribute(mbean, "LeaseValid")).isEqualTo(true);
				assertThat(JMX.getAttribute(mbean, "Health")).isEqualTo("UP");
				assertThat((String[]) JMX.getAttribute(mbean, "RefusedMembers")).isEmpty();
				assertThat(JMX.getAttribute(mbean, "Merges")).isEqualTo(0L);
				assertThat(JMX.getAttribute(mbean, "LastMergeTime")).isEqualTo(0L);
				assertThat(JMX.getAttribute(mbean, "InvalidationRoundTrips")).isEqualTo(roundTrips);
			}
		}
	}

	@Test
	void stoppingANode_unregistersItsMBeans_andLeavesTheOthers() throws Exception {
		try (TestCluster cluster = TestCluster.start(MetricsIT.class, 2)) {
			ObjectName allOfA = new ObjectName("dev.clustercache:cluster=" + CLUSTER + ",node=A,*");
			ObjectName allOfB = new ObjectName("dev.clustercache:cluster=" + CLUSTER + ",node=B,*");
			assertThat(JMX.queryNames(allOfA, null)).contains(nodeName("A"), regionName("A", ITEMS));
			int ofB = JMX.queryNames(allOfB, null).size();
			assertThat(ofB).isEqualTo(JMX.queryNames(allOfA, null).size());

			cluster.node(0).close();

			assertThat(JMX.queryNames(allOfA, null)).isEmpty();
			assertThat(JMX.queryNames(allOfB, null)).hasSize(ofB);
		}
	}

	private static void assertRegionInMicrometer(MeterRegistry registry, String node, Expected e) {
		assertThat(new long[] {
				count(registry, node, "clustercache.cache.gets", "result", "hit"),
				count(registry, node, "clustercache.cache.gets", "result", "miss"),
				count(registry, node, "clustercache.cache.puts", "result", "put"),
				count(registry, node, "clustercache.cache.puts", "reason", "in-flight-write"),
				count(registry, node, "clustercache.cache.puts", "reason", "stale-load"),
				count(registry, node, "clustercache.cache.puts", "reason", "lease-expired"),
				count(registry, node, "clustercache.invalidations", "direction", "sent"),
				count(registry, node, "clustercache.invalidations", "direction", "received"),
				(long) registry.get("clustercache.cache.size").tags("node", node, "region", ITEMS).gauge().value()})
				.as("Micrometer on %s: hits, misses, puts, rejected (in-flight write, stale load, lease), "
						+ "invalidations sent, received, size", node)
				.containsExactly(e.hits(), e.misses(), e.puts(), e.rejectedInFlight(), e.rejectedStale(),
						e.rejectedLease(), e.sent(), e.received(), e.size());
		assertThat(count(registry, node, "clustercache.cache.puts", "result", "skipped")).isZero();
		assertThat(count(registry, node, "clustercache.cache.gets.bypassed")).isZero();
		assertThat(registry.get("clustercache.writes.in.progress").tags("node", node, "region", ITEMS).gauge()
				.value()).isZero();
	}

	private static long count(MeterRegistry registry, String node, String name, String... tags) {
		return (long) registry.get(name).tags("cluster", CLUSTER, "node", node, "region", ITEMS).tags(tags)
				.functionCounter().count();
	}

	private static void assertRegionInJmx(String node, Expected e) throws Exception {
		ObjectName name = regionName(node, ITEMS);
		String[] attributes = {"Hits", "Misses", "Puts", "RejectedPutsInFlightWrite", "RejectedPutsStaleLoad",
				"RejectedPutsLeaseExpired", "InvalidationsSent", "InvalidationsReceived", "Size"};
		long[] values = new long[attributes.length];
		for (int i = 0; i < attributes.length; i++) {
			values[i] = (Long) JMX.getAttribute(name, attributes[i]);
		}
		assertThat(values).as("JMX %s", name).containsExactly(e.hits(), e.misses(), e.puts(), e.rejectedInFlight(),
				e.rejectedStale(), e.rejectedLease(), e.sent(), e.received(), e.size());
		assertThat(JMX.getAttribute(name, "SkippedPuts")).isEqualTo(0L);
		assertThat(JMX.getAttribute(name, "BypassedReads")).isEqualTo(0L);
		assertThat(JMX.getAttribute(name, "WritesInProgress")).isEqualTo(0L);
	}

	/** Our counts of the reads and puts agree with Hibernate's own statistics of the region. */
	private static void assertSameAsHibernate(TestNode node, Expected e, long lookupsBeforeInsert) {
		CacheRegionStatistics hibernate = node.statistics().getDomainDataRegionStatistics(ITEMS);
		assertThat(new long[] {hibernate.getHitCount(), hibernate.getMissCount(), hibernate.getPutCount()})
				.as("Hibernate's hits, misses, puts on %s", node.name())
				.containsExactly(e.hits(), e.misses() - lookupsBeforeInsert, e.puts());
	}

	private static ObjectName nodeName(String node) throws Exception {
		return new ObjectName("dev.clustercache:type=Node,cluster=" + CLUSTER + ",node=" + node);
	}

	private static ObjectName regionName(String node, String region) throws Exception {
		return new ObjectName("dev.clustercache:type=Region,cluster=" + CLUSTER + ",node=" + node + ",name="
				+ region);
	}
}
