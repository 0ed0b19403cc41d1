package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.management.ObjectName;

import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.util.Util;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A change made already (a commit whose end some member must hear synchronously, an eviction) cannot fail any more when
 * a member cannot be told of it. That member must then stop serving from its caches instead, until it has cleared the
 * region: the node that could not tell it answers its heartbeats no more, and waits until the lease of its earlier
 * answers has run out. Two real JGroups members on 127.0.0.1 (the shipped {@code localhost} stack); B connects first.
 */
class UntoldMemberIT {

	/** A heartbeat every half second. */
	private static final long LEASE_NANOS = TimeUnit.SECONDS.toNanos(2);
	private static final String BOOKS = ClusterNode.DOMAIN + "books";

	private final List<JChannel> channels = new ArrayList<>();
	private final List<ClusterNode> nodes = new ArrayList<>();
	private final List<CountDownLatch> held = new ArrayList<>();
	private final List<NodeMetrics> figures = new ArrayList<>();
	private ClusterNode a;
	private ClusterNode b;
	private Address bAddress;

	@AfterEach
	void close() {
		figures.forEach(NodeMetrics::close);
		held.forEach(CountDownLatch::countDown);
		for (ClusterNode node : nodes) {
			node.stop();
			node.close();
		}
		for (int i = channels.size() - 1; i >= 0; i--) {
			Util.close(channels.get(i));
		}
	}

	private void startBThenA(String cluster) throws Exception {
		startBThenA(cluster, LEASE_NANOS);
	}

	private void startBThenA(String cluster, long leaseNanos) throws Exception {
		channels.addAll(LoopbackMembers.connect(cluster, "B", "A"));
		bAddress = channels.get(0).getAddress();
		b = start(channels.get(0), leaseNanos);
		a = start(channels.get(1), leaseNanos);
		await("both leases hold", () -> a.lease().valid() && b.lease().valid());
	}

	private ClusterNode start(JChannel channel, long leaseNanos) {
		ClusterNode node = ClusterNode.start(channel, Clock.SYSTEM, leaseNanos,
				new KeyCodec(Set::of, UntoldMemberIT.class.getClassLoader()), 2_000, TimeUnit.SECONDS.toNanos(60));
		nodes.add(node);
		return node;
	}

	/**
	 * B's copy of a region: it fails every message about one key while {@link #refusing} (a key it cannot read, a
	 * handler that breaks), and the clears of the whole region too while {@link #refusingClears}; it records each clear
	 * it does: whether B served then, and which change it came after.
	 */
	private final class Region implements ClusterNode.Participant {
		volatile boolean refusing = true;
		volatile boolean refusingClears;
		/** Set by the test: the number of the change that the clears from now on come after. */
		volatile int changesMissed;
		final List<Boolean> servedWhenCleared = new CopyOnWriteArrayList<>();
		final List<Integer> clearedAfterChange = new CopyOnWriteArrayList<>();
		final List<Object> keysRefused = new CopyOnWriteArrayList<>();
		/** Counted down when the first clear is done; the clear's answer is held until {@link #release}. */
		final CountDownLatch firstClearDone = new CountDownLatch(1);
		CountDownLatch release;

		@Override
		public void onBeginWrite(Object key, Writer writer) {
			refuseKey(key);
		}

		@Override
		public void onEndWrite(Object key, Writer writer) {
			refuseKey(key);
			if (key == null && refusingClears) {
				throw new IllegalStateException("B cannot clear the region");
			}
			if (key == null) {
				servedWhenCleared.add(b.lease().valid());
				clearedAfterChange.add(changesMissed);
				CountDownLatch hold = release;
				if (firstClearDone.getCount() > 0 && hold != null) {
					firstClearDone.countDown();
					try {
						hold.await(LoopbackMembers.WAIT_SECONDS, TimeUnit.SECONDS);
					}
					catch (InterruptedException e) {
						Thread.currentThread().interrupt();
					}
				}
			}
		}

		private void refuseKey(Object key) {
			if (key != null && refusing) {
				keysRefused.add(key);
				throw new IllegalStateException("B cannot apply the message about key " + key);
			}
		}

		@Override
		public void onReset() {
		}
	}

	/**
	 * The gap: B builds a region after A's write opened its window there (so B never held the window) and may load
	 * the row before A commits; it hears of the write only from the synchronous end after the commit. When that end
	 * fails, B must serve nothing once A's write returns, and serve again only after it has cleared the region.
	 */
	@Test
	void aMemberThatBuiltTheRegionAfterAWriteOpenedAndCannotBeToldOfItsEnd_servesNothingUntilItClearedTheRegion()
			throws Exception {
		startBThenA("UntoldMemberIT-end");
		NodeMetrics aFigures = new NodeMetrics("UntoldMemberIT-end", a);
		NodeMetrics bFigures = new NodeMetrics("UntoldMemberIT-end", b);
		figures.add(aFigures);
		figures.add(bFigures);
		ClusterNode.Window window = a.openRemote(BOOKS, 1L, a.newWriter());
		assertThat(window.registered()).as("B had not built the region when A's window opened").isEmpty();
		Region books = new Region();
		books.refusingClears = true;
		b.register(BOOKS, books);

		a.closeRemote(window); // after A's commit: B never held the window, so it is told synchronously, and fails

		assertThat(books.keysRefused).as("B failed the end").containsOnly(1L);
		assertThat(b.lease().valid()).as("B's lease once A's write returned (%s)", b.lease().describe()).isFalse();
		assertThat(a.owedBy(bAddress)).containsOnlyKeys(BOOKS);
		awaitRefusalWhileNotServing(books);
		assertThat(aFigures.refusedMembers()).isEqualTo(Map.of("B", List.of("books")));
		assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName(
				"dev.clustercache:type=Node,cluster=UntoldMemberIT-end,node=A"), "RefusedMembers"))
				.isEqualTo(new String[] {"B [books]"});
		assertThat(bFigures.health().reason()).contains("refused by {A='B' has not cleared region(s) ['books']");
		books.refusingClears = false;
		await("B serves again", () -> b.lease().valid());
		assertThat(books.servedWhenCleared).as("B served when it cleared the region").first().isEqualTo(false);
		assertThat(a.owedBy(bAddress)).isEmpty();
		assertThat(aFigures.refusedMembers()).isEmpty();
		await("B's refusals forgotten", () -> b.refusals().isEmpty());
	}

	/** The same for an eviction that a member cannot apply: it must not keep serving what was evicted. */
	@Test
	void aMemberThatCannotApplyAnEviction_servesNothingUntilItClearedTheRegion() throws Exception {
		startBThenA("UntoldMemberIT-evict");
		Region books = new Region();
		books.refusingClears = true;
		b.register(BOOKS, books);

		a.invalidateRemote(BOOKS, 1L);

		assertThat(books.keysRefused).as("B failed the eviction").containsOnly(1L);
		assertThat(b.lease().valid()).as("B's lease once A's eviction returned (%s)", b.lease().describe())
				.isFalse();
		awaitRefusalWhileNotServing(books);
		books.refusingClears = false;
		await("B serves again", () -> b.lease().valid());
		assertThat(books.servedWhenCleared).as("B served when it cleared the region").first().isEqualTo(false);
	}

	/**
	 * The race: B clears the region for a first change it missed, then misses a second change before its answer to
	 * that clear reaches A. The answer must not let B serve again: it cleared before the second change.
	 */
	@Test
	void aClearDoneBeforeASecondMissedChange_doesNotLetTheMemberServeAgain() throws Exception {
		// a request to clear is dropped after a lease: a long one, so that the held one is the only one B gets
		long lease = TimeUnit.SECONDS.toNanos(10);
		startBThenA("UntoldMemberIT-second", lease);
		Region books = new Region();
		books.release = new CountDownLatch(1);
		held.add(books.release);
		b.register(BOOKS, books);

		// each change returns only once the lease A gave B is over: they run beside the test, which steers B
		CompletableFuture<Void> first = inBackground("the first change B misses", () -> a.invalidateRemote(BOOKS, 1L));
		assertThat(books.firstClearDone.await(LoopbackMembers.WAIT_SECONDS, TimeUnit.SECONDS))
				.as("B was asked to clear the region").isTrue();
		long held = System.nanoTime();
		long firstMissed = a.owedBy(bAddress).get(BOOKS);
		books.changesMissed = 2;
		CompletableFuture<Void> second = inBackground("the second change B misses",
				() -> a.invalidateRemote(BOOKS, 2L));
		await("A knows B missed the second change", () -> a.owedBy(bAddress).getOrDefault(BOOKS, firstMissed)
				!= firstMissed);
		books.refusing = false;
		assertThat(System.nanoTime() - held).as("the first clear was held for less than the lease, after which A "
				+ "drops it and asks again: else the test proves nothing").isLessThan(lease * 4 / 5);
		// B's answer to the first clear reaches A now; until then it held one of B's threads for A's regular messages
		books.release.countDown();
		first.get(LoopbackMembers.WAIT_SECONDS, TimeUnit.SECONDS);
		second.get(LoopbackMembers.WAIT_SECONDS, TimeUnit.SECONDS);
		assertThat(books.keysRefused).as("B failed both changes").containsOnly(1L, 2L);

		// both returned: the lease of A's answers from before is over, so B serves again only on later answers
		await("B serves again", () -> {
			boolean served = b.lease().valid();
			assertThat(!served || books.clearedAfterChange.contains(2))
					.as("B serves (%s) before it cleared the region after the second change", b.lease().describe())
					.isTrue();
			return served;
		});
		assertThat(books.clearedAfterChange).as("the changes B had missed when it cleared the region, in order")
				.startsWith(0).contains(2);
	}

	/**
	 * A ClusterCache that could not tell a member of a change stops, and another starts on the same JGroups channel (a
	 * SessionFactory rebuilt on a channel the application owns): the new one must not answer the member either until
	 * it has cleared the region, although it never heard of the change.
	 */
	@Test
	void aMemberNotToldOfAChange_isNotAnsweredByTheNextClusterCacheOnTheSameChannel_untilItClearedTheRegion()
			throws Exception {
		startBThenA("UntoldMemberIT-restart");
		Region books = new Region();
		books.refusingClears = true;
		b.register(BOOKS, books);
		a.invalidateRemote(BOOKS, 1L);
		assertThat(b.lease().valid()).as("B's lease once A's eviction returned (%s)", b.lease().describe())
				.isFalse();

		a.stop();
		a.close();
		nodes.remove(a);
		long refusedBefore = b.refusalsHeard(); // the closed one may still have had one refusal under way
		ClusterNode next = start(channels.get(1), LEASE_NANOS);
		assertThat(next.owedBy(bAddress)).containsOnlyKeys(BOOKS);
		await("B is refused by the next ClusterCache on A's channel", () -> b.refusalsHeard() >= refusedBefore + 2);
		assertThat(b.refusals().get("A")).contains("has not cleared region(s) ['books']");
		assertThat(b.lease().valid()).as("B's lease (%s)", b.lease().describe()).isFalse();

		books.refusingClears = false;
		await("B serves again", () -> b.lease().valid());
		assertThat(books.servedWhenCleared).as("B served when it cleared the region").first().isEqualTo(false);
	}

	/** Waits until B has heard why A refuses it, checking at every poll that B serves nothing meanwhile. */
	private void awaitRefusalWhileNotServing(Region books) throws InterruptedException {
		await("B knows why A refuses its heartbeats", () -> {
			assertThat(b.lease().valid()).as("B's lease while refused (%s)", b.lease().describe()).isFalse();
			assertThat(books.servedWhenCleared).as("B cleared while it refuses to").isEmpty();
			return b.refusals().getOrDefault("A", "").contains("has not cleared region(s) ['books']");
		});
	}

	private void await(String what, BooleanSupplier condition) throws InterruptedException {
		LoopbackMembers.await(what, condition, nodes.toArray(ClusterNode[]::new));
	}

	private static CompletableFuture<Void> inBackground(String name, Runnable action) {
		return CompletableFuture.runAsync(action, runnable -> new Thread(runnable, name).start());
	}

}
