package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.jgroups.Address;
import org.jgroups.View;
import org.jgroups.util.Util;
import org.junit.jupiter.api.Test;

/** How a node applies the views JGroups gives it; no network, a fake clock. */
class ClusterNodeViewsTest {

	private final FakeClock clock = new FakeClock();
	private final ClusterNode node = ClusterNode.local(clock, Duration.ofSeconds(2).toNanos(), "A");
	private final Address a = Util.createRandomAddress("A");
	private final Address b = Util.createRandomAddress("B");
	private final Address c = Util.createRandomAddress("C");

	/**
	 * The race: a starting node applies its fork channel's view after connecting it, while JGroups may deliver a newer
	 * view (C joined) on its own thread in between. Applied last, the older view would drop C from the members a write
	 * waits for, and C would keep serving what this node's writes changed. Here the two calls come in that order.
	 */
	@Test
	void olderViewAppliedAfterANewerOne_isIgnored_soAMemberThatJoinedStaysAMember() {
		node.viewAccepted(View.create(a, 3, a, b, c));

		node.viewAccepted(View.create(a, 2, a, b));

		assertThat(node.members()).containsExactly("A", "B", "C");
		assertThat(node.lease().describe()).contains("C never answered");
	}

	@Test
	void newerView_replacesTheMembers() {
		node.viewAccepted(View.create(a, 2, a, b));

		node.viewAccepted(View.create(a, 3, a, b, c));

		assertThat(node.members()).containsExactly("A", "B", "C");
	}
}
