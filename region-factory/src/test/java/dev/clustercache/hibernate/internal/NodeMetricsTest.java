package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.ClusterCacheHealth;
import dev.clustercache.hibernate.ClusterCacheStatistics;
import dev.clustercache.hibernate.ClusterCacheStatistics.RejectedPutReason;

/** The figures of one node, as {@link ClusterCacheStatistics}, as MBeans and as health; no network, a fake clock. */
class NodeMetricsTest {

	private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

	private final FakeClock clock = new FakeClock();
	private final ClusterNode node = ClusterNode.local(clock, Duration.ofSeconds(2).toNanos(), "N");
	private final NodeMetrics metrics = new NodeMetrics("NodeMetricsTest", node);

	@AfterEach
	void close() {
		metrics.close();
	}

	@Test
	void regionFigures_comeFromItsCounters_inCodeAndInJmx() throws Exception {
		RegionStatistics statistics = new RegionStatistics();
		metrics.addRegion("a:b,c", statistics, () -> 7, () -> 3);
		statistics.hits.increment();
		statistics.misses.add(2);
		statistics.count(PutOutcome.PUT);
		statistics.count(PutOutcome.REJECTED_STALE_LOAD);
		statistics.count(PutOutcome.REJECTED_LEASE);
		statistics.count(PutOutcome.REJECTED_LEASE);

		ClusterCacheStatistics.Region region = metrics.region("a:b,c").orElseThrow();
		assertThat(List.of(region.hits(), region.misses(), region.puts(), region.size())).containsExactly(1L, 2L, 1L,
				7L);
		assertThat(region.rejectedPuts(RejectedPutReason.IN_FLIGHT_WRITE)).isZero();
		assertThat(region.rejectedPuts(RejectedPutReason.STALE_LOAD)).isEqualTo(1);
		assertThat(region.rejectedPuts(RejectedPutReason.LEASE_EXPIRED)).isEqualTo(2);
		ObjectName name = new ObjectName("dev.clustercache:type=Region,cluster=NodeMetricsTest,node=N,name="
				+ ObjectName.quote("a:b,c"));
		assertThat(JMX.getAttribute(name, "Hits")).isEqualTo(1L);
		assertThat(JMX.getAttribute(name, "RejectedPutsLeaseExpired")).isEqualTo(2L);
		assertThat(JMX.getAttribute(name, "Size")).isEqualTo(7L);
		assertThat(region.writesInProgress()).isEqualTo(3);
		assertThat(JMX.getAttribute(name, "WritesInProgress")).isEqualTo(3L);
	}

	@Test
	void close_unregistersEveryMBeanOfTheNode() throws Exception {
		metrics.addRegion("r", new RegionStatistics(), () -> 0, () -> 0);
		ObjectName ofNode = new ObjectName("dev.clustercache:cluster=NodeMetricsTest,node=N,*");
		assertThat(JMX.queryNames(ofNode, null)).hasSize(2);

		metrics.close();

		assertThat(JMX.queryNames(ofNode, null)).isEmpty();
	}

	@Test
	void health_isDegradedWithTheSilentMember_whileTheLeaseIsExpired() {
		assertThat(metrics.health()).isEqualTo(ClusterCacheHealth.up());

		node.lease().viewChanged(List.of("B"));

		assertThat(metrics.health().status()).isEqualTo(ClusterCacheHealth.Status.DEGRADED);
		assertThat(metrics.health().reason()).isEqualTo("Node 'N' serves nothing from its caches: it has not heard "
				+ "from every member of its view [N] within its lease of 2000 ms (expired, B never answered). Reads "
				+ "go to the database until it has; check the network between this node and those members.");

		node.lease().acknowledged("B", clock.nanoTime());

		assertThat(metrics.health().isUp()).isTrue();
	}

	@Test
	void rejectedPutReasons_haveMicrometerStyleTagValues() {
		assertThat(List.of(RejectedPutReason.values()).stream().map(RejectedPutReason::tagValue))
				.containsExactly("in-flight-write", "stale-load", "lease-expired");
	}
}
