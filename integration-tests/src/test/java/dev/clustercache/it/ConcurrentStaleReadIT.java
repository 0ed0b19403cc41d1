package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.persistence.LockModeType;

import org.junit.jupiter.api.Test;

/**
 * Several threads on each of three nodes read and write a few hot rows through Hibernate; every operation is recorded
 * with its invocation and completion time on one clock (the JVM's). A read is stale if it began after some write of a
 * newer value had completed (its commit returned) and still returned an older value. Writes take a row lock, so each
 * write produces the next value of its row.
 */
class ConcurrentStaleReadIT {

	private static final int ROWS = 3;
	private static final int THREADS_PER_NODE = 2;
	private static final int OPERATIONS_PER_THREAD = 300;

	private record Write(long row, int value, long completed) {
	}

	private record Read(long row, int value, long invoked, String node, String kind) {
	}

	@Test
	void readsOnThreeNodesUnderConcurrentWrites_areNeverStale() throws Exception {
		try (TestCluster cluster = TestCluster.start(ConcurrentStaleReadIT.class, 3, Map.of())) {
			List<String> stale = runWorkload(cluster);
			assertThat(stale).as("stale reads").isEmpty();
		}
	}

	/**
	 * The same workload on nodes that do not talk to each other (mode local): the history check must find stale reads,
	 * which shows that it can.
	 */
	@Test
	void theCheckFindsStaleReads_whenNodesDoNotInvalidateEachOther() throws Exception {
		try (TestCluster cluster = TestCluster.start(ConcurrentStaleReadIT.class, 3,
				Map.of("hibernate.cache.clustercache.mode", "local"), 1)) {
			List<String> stale = runWorkload(cluster);
			assertThat(stale).as("stale reads found by the check").isNotEmpty();
		}
	}

	static List<String> runWorkload(TestCluster cluster) throws Exception {
		{
			cluster.node(0).inTransaction(s -> {
				for (long row = 1; row <= ROWS; row++) {
					s.persist(new Item(row, "hot-" + row, "hot row " + row, 0, null));
				}
			});
			ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
			ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
			AtomicLong failures = new AtomicLong();
			ExecutorService pool = Executors.newFixedThreadPool(3 * THREADS_PER_NODE);
			CountDownLatch start = new CountDownLatch(1);
			List<Future<?>> tasks = new ArrayList<>();
			for (TestNode node : cluster.nodes()) {
				for (int t = 0; t < THREADS_PER_NODE; t++) {
					long seed = node.name().hashCode() * 31L + t;
					tasks.add(pool.submit(() -> {
						start.await();
						SplittableRandom random = new SplittableRandom(seed);
						for (int i = 0; i < OPERATIONS_PER_THREAD; i++) {
							long row = 1 + random.nextInt(ROWS);
							int dice = random.nextInt(10);
							try {
								if (dice < 2) {
									int written = node.fromTransaction(s -> {
										Item item = s.find(Item.class, row, LockModeType.PESSIMISTIC_WRITE);
										return ++item.price;
									});
									writes.add(new Write(row, written, System.nanoTime()));
								}
								else if (dice < 8) {
									long invoked = System.nanoTime();
									int value = node.fromTransaction(s -> s.find(Item.class, row).price);
									reads.add(new Read(row, value, invoked, node.name(), "entity"));
								}
								else {
									long invoked = System.nanoTime();
									int value = node.fromTransaction(s -> s.createQuery(
													"select i.price from Item i where i.id = :id", Integer.class)
											.setParameter("id", row).setCacheable(true).getSingleResult());
									reads.add(new Read(row, value, invoked, node.name(), "query"));
								}
							}
							catch (RuntimeException e) {
								failures.incrementAndGet();
							}
						}
						return null;
					}));
				}
			}
			start.countDown();
			for (Future<?> f : tasks) {
				f.get(5, TimeUnit.MINUTES);
			}
			pool.shutdownNow();

			List<String> stale = new ArrayList<>();
			for (Read r : reads) {
				int newestCommitted = writes.stream()
						.filter(w -> w.row() == r.row() && w.completed() < r.invoked())
						.mapToInt(Write::value).max().orElse(0);
				if (r.value() < newestCommitted) {
					stale.add(r + " but value " + newestCommitted + " was committed before it began");
				}
			}
			long hits = cluster.nodes().stream().mapToLong(n -> n.statistics().getSecondLevelCacheHitCount()).sum();
			long queryHits = cluster.nodes().stream().mapToLong(n -> n.statistics().getQueryCacheHitCount()).sum();
			System.out.printf("MEASURED: %d reads, %d writes, %d failed operations, %d stale reads, "
							+ "%d entity cache hits, %d query cache hits%n",
					reads.size(), writes.size(), failures.get(), stale.size(), hits, queryHits);
			assertThat(writes).isNotEmpty();
			assertThat(failures.get()).isZero();
			assertThat(hits).as("the cache served reads").isPositive();
			return stale;
		}
	}
}
