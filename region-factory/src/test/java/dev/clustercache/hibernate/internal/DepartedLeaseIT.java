package dev.clustercache.hibernate.internal;

import static dev.clustercache.hibernate.internal.LoopbackMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.Util;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member's lease rests on the other members' answers to its heartbeats (DESIGN.md §4.5), so a write that goes ahead
 * without a member must not commit while the lease those answers gave it may still hold. Two real JGroups members on
 * 127.0.0.1 (the shipped {@code localhost} stack), each with ClusterCache's node; B connects first and coordinates.
 */
class DepartedLeaseIT {

	/** A heartbeat every second. */
	private static final long LEASE_NANOS = TimeUnit.SECONDS.toNanos(4);

	private final List<JChannel> channels = new ArrayList<>();
	private final List<ClusterNode> nodes = new ArrayList<>();

	@AfterEach
	void close() {
		for (ClusterNode node : nodes) {
			node.stop();
			node.close();
		}
		for (int i = channels.size() - 1; i >= 0; i--) {
			Util.close(channels.get(i));
		}
	}

	private JChannel bChannel;
	private JChannel aChannel;
	private ClusterNode b;
	private ClusterNode a;

	/** Connects B, then A (B coordinates), starts their nodes and waits until both leases hold. */
	private void startBThenA(String cluster) throws Exception {
		channels.addAll(LoopbackMembers.connect(cluster, "B", "A"));
		bChannel = channels.get(0);
		aChannel = channels.get(1);
		b = start(bChannel);
		a = start(aChannel);
		await("both leases hold", () -> a.lease().valid() && b.lease().valid(), a, b);
	}

	/** A hears nothing from now on and never suspects B: its lease ends only when B's last answer runs out. */
	private void cutOffA() throws Exception {
		aChannel.getProtocolStack().removeProtocols(FD_ALL3.class, FD_SOCK2.class);
		aChannel.getProtocolStack().insertProtocol(new DISCARD().discardAll(true), ProtocolStack.Position.ABOVE,
				TP.class);
	}

	/** B's coordinator excludes A, as failure detection would have. */
	private void excludeA() {
		bChannel.getProtocolStack().findProtocol(GMS.class)
				.up(new Event(Event.SUSPECT, List.of(aChannel.getAddress())));
	}

	private ClusterNode start(JChannel channel) {
		ClusterNode node = ClusterNode.start(channel, Clock.SYSTEM, LEASE_NANOS, null, 10_000,
				TimeUnit.SECONDS.toNanos(60));
		nodes.add(node);
		return node;
	}

	/**
	 * The race: A stops hearing from the others (a pause, a cut) and B's cluster excludes A sooner than A's lease runs
	 * out (JGroups installed the view while A was resuming, or a broken connection got A suspected within a second).
	 * A still serves on B's last answer. B's write must not go ahead before that answer's lease is over.
	 */
	@Test
	void aWriteWithoutAnExcludedMember_returnsOnlyOnceTheLeaseItsAnswersGaveThatMemberIsOver() throws Exception {
		startBThenA("DepartedLeaseIT-excluded");
		cutOffA();
		excludeA();
		await("B's view without A", () -> b.members().equals(List.of("B")), a, b);
		assertThat(a.lease().valid()).as("A still holds the lease of B's last answer (%s)", a.lease().describe())
				.isTrue();

		b.openRemote(ClusterNode.DOMAIN + "books", 1L, b.newWriter());

		assertThat(a.lease().valid()).as("A's lease once B's write may commit (%s)", a.lease().describe()).isFalse();
	}

	/**
	 * The race: JGroups tells a write's request that a member left before it tells this node the new view. Until this
	 * node's view has dropped the member, this node may still answer the member's heartbeats, so the write must not
	 * count the member as gone yet. Here the new view is held back from this node (ClusterNode applies views under
	 * its own monitor, which the test holds) while the write learns of it; the write must then wait for the view.
	 */
	@Test
	void aWriteThatHearsAMemberLeftBeforeThisNodesViewDoes_waitsForTheViewAndThenForTheLease() throws Exception {
		startBThenA("DepartedLeaseIT-ordering");
		cutOffA();
		boolean[] aServedWhenTheWriteReturned = new boolean[1];
		Throwable[] writeFailed = new Throwable[1];
		Thread writer = new Thread(() -> {
			try {
				b.openRemote(ClusterNode.DOMAIN + "books", 1L, b.newWriter()); // A never answers
				aServedWhenTheWriteReturned[0] = a.lease().valid();
			}
			catch (RuntimeException | Error e) {
				writeFailed[0] = e;
			}
		}, "writer on B");
		writer.start();
		AtomicReference<Thread> excluder = new AtomicReference<>();
		try {
			await("the write waits for A's answer", () -> writer.getState() == Thread.State.TIMED_WAITING
					|| writer.getState() == Thread.State.WAITING, a, b);
			synchronized (b) { // B's view keeps A while this is held
				// on another thread, which GMS may use to install the view and deliver it
				excluder.set(new Thread(this::excludeA, "excluding A"));
				excluder.get().start();
				await("the write has heard that A left and waits for B's view, or returned",
						() -> waitsForTheView(writer) || writer.getState() == Thread.State.TERMINATED, a, b);
				assertThat(writer.getState()).as("the write went ahead while B's view still held A (failure: %s)",
						writeFailed[0]).isNotEqualTo(Thread.State.TERMINATED);
				assertThat(b.members()).containsExactly("B", "A");
			}
		}
		finally {
			writer.join(30_000);
			if (excluder.get() != null) {
				excluder.get().join(30_000);
			}
		}

		assertThat(writer.isAlive()).isFalse();
		assertThat(writeFailed[0]).isNull();
		assertThat(aServedWhenTheWriteReturned[0]).as("A's lease when B's write returned").isFalse();
	}

	private static boolean waitsForTheView(Thread writer) {
		for (StackTraceElement frame : writer.getStackTrace()) {
			if (frame.getMethodName().equals("awaitViewWithout")) {
				return true;
			}
		}
		return false;
	}

	@Test
	void aMemberThatStops_releasesItsLease_soWritesWithoutItDoNotWaitForIt() throws Exception {
		startBThenA("DepartedLeaseIT-stopped");
		assertThat(b.promisedTo(aChannel.getAddress())).as("B's answers keep A's lease").isNotNull();

		a.stop();
		assertThat(a.lease().valid()).as("a stopped node serves nothing").isFalse();
		await("B heard that A released its lease", () -> b.promisedTo(aChannel.getAddress()) == null, a, b);
		nodes.remove(a);
		a.close();
		aChannel.close();
		await("B's view without A", () -> b.members().equals(List.of("B")), a, b);

		long started = System.nanoTime();
		b.openRemote(ClusterNode.DOMAIN + "books", 1L, b.newWriter());

		assertThat(System.nanoTime() - started).as("B's write took a fraction of A's lease, not the lease")
				.isLessThan(LEASE_NANOS / 4);
	}

}
