package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Message;
import org.jgroups.MergeView;
import org.jgroups.View;
import org.jgroups.ViewId;
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

	/**
	 * The race: after a merge the node clears its regions one by one, and a heartbeat it sent meanwhile is answered
	 * before the last region is clear. Counted, that answer would make the lease valid while a region still held what
	 * it cached during the split. Here the answers arrive while a region's clear is held.
	 */
	@Test
	void answersDuringTheClearAfterAMerge_doNotCount_theLeaseHoldsOnlyOnAnswersAfterIt() throws Exception {
		CountDownLatch clearing = new CountDownLatch(1);
		CountDownLatch clearDone = new CountDownLatch(1);
		node.register("d:held", new ClusterNode.Participant() {
			@Override
			public void onBeginWrite(Object key, Writer writer) {
			}

			@Override
			public void onEndWrite(Object key, Writer writer) {
			}

			@Override
			public void onReset() {
				clearing.countDown();
				try {
					assertThat(clearDone.await(30, TimeUnit.SECONDS)).isTrue();
				}
				catch (InterruptedException e) {
					throw new AssertionError(e);
				}
			}
		});
		node.viewAccepted(View.create(a, 2, a, b)); // a local node counts every member of the view as another
		answer(a, b);
		assertThat(node.lease().valid()).isTrue();

		Thread merging = new Thread(() -> node.viewAccepted(new MergeView(new ViewId(a, 4), List.of(a, b),
				List.of(View.create(a, 3, a), View.create(b, 3, b)))));
		merging.start();
		try {
			assertThat(clearing.await(30, TimeUnit.SECONDS)).isTrue();
			clock.advance(Duration.ofMillis(10));
			answer(a, b);
			assertThat(node.lease().valid()).as("answered while a region is being cleared").isFalse();
		}
		finally {
			clearDone.countDown();
			merging.join(30_000);
		}
		assertThat(node.lease().valid()).as("after the clear, before an answer to a later heartbeat").isFalse();

		clock.advance(Duration.ofMillis(10));
		answer(a, b);
		assertThat(node.lease().valid()).isTrue();
	}

	/**
	 * The race: applying a merge view keeps the answers of members that stay, so the lease holds again at once, and
	 * reads would serve what the split left in the regions until the clear after it suspends the lease. Suspended
	 * before the view counts, the lease holds at no point in between. Observed at the one step between the two, the log
	 * line that announces the clear (JBoss Logging writes to java.util.logging here: no other backend is on the test
	 * class path).
	 */
	@Test
	void aMergeView_suspendsTheLeaseBeforeItCounts_notOnlyOnceTheClearBegins() {
		node.viewAccepted(View.create(a, 2, a, b)); // a local node counts every member of the view as another
		answer(a, b);
		assertThat(node.lease().valid()).isTrue();
		List<Boolean> servedWhenAnnounced = new CopyOnWriteArrayList<>();
		Logger log = Logger.getLogger("dev.clustercache.hibernate.cluster");
		Handler watch = new Handler() {
			@Override
			public void publish(LogRecord record) {
				if (String.valueOf(record.getMessage()).contains("merged the partitions")) {
					servedWhenAnnounced.add(node.lease().valid());
				}
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}
		};
		log.addHandler(watch);
		try {
			node.viewAccepted(new MergeView(new ViewId(a, 4), List.of(a, b),
					List.of(View.create(a, 3, a), View.create(b, 3, b))));
		}
		finally {
			log.removeHandler(watch);
		}

		assertThat(servedWhenAnnounced).as("whether the node served when it announced the clear")
				.containsExactly(false);
		assertThat(node.lease().valid()).as("after the clear, before an answer to a later heartbeat").isFalse();
	}

	/** Members answer heartbeats sent now. */
	private void answer(Address... members) {
		long sent = clock.nanoTime();
		for (Address m : members) {
			node.lease().acknowledged(m, sent);
		}
	}

	/**
	 * A member back from a split (here C, excluded and merged back) has not cleared its regions until it runs the merge
	 * view itself; answered before that, its lease would hold again on what it cached during the split.
	 */
	@Test
	void aMemberBackFromASplit_isAnsweredOnlyOnceItRunsTheMergeView() throws Exception {
		node.viewAccepted(View.create(a, 2, a, b, c));
		node.viewAccepted(View.create(a, 3, a, b));
		node.viewAccepted(new MergeView(new ViewId(a, 5), List.of(a, b, c),
				List.of(View.create(a, 3, a, b), View.create(c, 4, c))));

		assertThatThrownBy(() -> node.handle(ping(c, new ViewId(c, 4)))).as("C still runs its view of the split")
				.hasMessageContaining("does not run view [A|5]");
		assertThatThrownBy(() -> node.handle(ping(c, new ViewId(c, 5)))).as("a view of C's own with the merged id")
				.hasMessageContaining("does not run view [A|5]");
		assertThat(node.handle(ping(c, new ViewId(a, 5)))).isEqualTo(Boolean.TRUE);
		assertThat(node.handle(ping(c, new ViewId(b, 6)))).as("a later view").isEqualTo(Boolean.TRUE);
		assertThat(node.handle(ping(b, new ViewId(a, 3)))).as("B never left").isEqualTo(Boolean.TRUE);
	}

	/**
	 * A member that stopped is answered no more; a new ClusterCache at the same address (a SessionFactory rebuilt on a
	 * channel the application owns) is.
	 */
	@Test
	void aStoppedMember_isNotAnswered_butALaterIncarnationAtItsAddressIs() throws Exception {
		ViewId view = new ViewId(a, 2);
		node.viewAccepted(new View(view, List.of(a, b)));
		assertThat(node.handle(ping(b, view, 7))).isEqualTo(Boolean.TRUE);

		release(b, 7);

		assertThat(node.promisedTo(b)).as("B's lease need not be waited for").isNull();
		assertThatThrownBy(() -> node.handle(ping(b, view, 7))).hasMessageContaining("stopped");
		assertThat(node.promisedTo(b)).isNull();
		assertThat(node.handle(ping(b, view, 8))).as("a later incarnation").isEqualTo(Boolean.TRUE);
		assertThat(node.promisedTo(b)).isNotNull();
	}

	/**
	 * The race: a stopped ClusterCache's release travels out of band and may arrive after a heartbeat of the next one at
	 * the same address. It must not drop the promise made to the next one, whose lease a write without it must wait for.
	 */
	@Test
	void aLateReleaseOfAnEarlierIncarnation_keepsThePromiseMadeToTheNextOne() throws Exception {
		ViewId view = new ViewId(a, 2);
		node.viewAccepted(new View(view, List.of(a, b)));
		assertThat(node.handle(ping(b, view, 8))).isEqualTo(Boolean.TRUE);

		release(b, 7);

		assertThat(node.promisedTo(b)).as("the promise made to incarnation 8").isNotNull();
	}

	/**
	 * A release that arrives after the view without its member still ends the wait for that member's lease: the
	 * incarnation a promise was made to is kept as long as the promise, not as long as the member is in the view.
	 */
	@Test
	void aReleaseAfterTheViewWithoutItsMember_stillDropsThePromise() throws Exception {
		ViewId view = new ViewId(a, 2);
		node.viewAccepted(new View(view, List.of(a, b)));
		assertThat(node.handle(ping(b, view, 7))).isEqualTo(Boolean.TRUE);
		node.viewAccepted(View.create(a, 3, a));

		release(b, 7);

		assertThat(node.promisedTo(b)).isNull();
	}

	/** That the ClusterCache of {@code incarnation} at {@code from} stopped. */
	private void release(Address from, long incarnation) throws Exception {
		node.handle(new BytesMessage(null, ClusterNode.encodeRelease(incarnation)).setSrc(from));
	}

	/** A heartbeat from {@code from}, which runs the view {@code viewId}, with the same regions as the node. */
	private static Message ping(Address from, ViewId viewId) {
		return ping(from, viewId, 1);
	}

	private static Message ping(Address from, ViewId viewId, long incarnation) {
		byte[] payload = ClusterNode.encodePing(RegionProfile.EMPTY.fingerprint, Duration.ofSeconds(2).toNanos(),
				incarnation, viewId);
		return new BytesMessage(null, payload).setSrc(from);
	}
}
