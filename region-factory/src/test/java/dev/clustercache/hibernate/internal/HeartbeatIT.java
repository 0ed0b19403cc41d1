package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jgroups.JChannel;
import org.jgroups.util.Util;
import org.junit.jupiter.api.Test;

/**
 * Two real JGroups members on 127.0.0.1 (the shipped {@code localhost} stack): node A runs ClusterCache, member B is a
 * bare channel that never opens ClusterCache's fork channel, as a node between connecting its channel and opening the
 * fork, so it stays in the view and never answers a heartbeat.
 */
class HeartbeatIT {

	@Test
	void heartbeatsToAMemberThatNeverAnswers_doNotPileUp() throws Exception {
		long leaseNanos = TimeUnit.MILLISECONDS.toNanos(400); // a heartbeat every 100 ms
		List<JChannel> members = LoopbackMembers.connect("HeartbeatIT", "A", "B");
		try {
			JChannel a = members.get(0);
			ClusterNode node = ClusterNode.start(a, Clock.SYSTEM, leaseNanos, null, 10_000,
					TimeUnit.SECONDS.toNanos(60));
			try {
				Thread.sleep(3_000); // about 30 heartbeats, none answered
				int pending = node.pendingHeartbeats();
				System.out.printf("MEASURED: %d heartbeat requests pending after 3 s of a silent member "
						+ "(lease 400 ms, a heartbeat every 100 ms)%n", pending);
				assertThat(pending).as("heartbeats waiting for B, view %s", a.getView()).isLessThanOrEqualTo(8);
				assertThat(node.lease().valid()).as("A cannot hold its lease without B's answers").isFalse();
			}
			finally {
				node.stop();
				node.close();
			}
		}
		finally {
			members.forEach(Util::close);
		}
	}
}
