package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.hibernate.event.service.spi.EventListenerRegistry;
import org.hibernate.event.spi.EventType;
import org.hibernate.event.spi.PreLoadEventListener;

/** A Hibernate load held between its database read and its cache put, for the races of DESIGN.md §4. */
final class HeldLoad {

	private HeldLoad() {
	}

	/**
	 * Loads {@link Item} {@code id} on {@code loader} in a transaction of its own, holds it (by a latch in a pre-load
	 * listener, which runs after the row is read and before the cache put) while {@code meanwhile} runs, then lets it
	 * finish. Returns the price the load read.
	 */
	static int priceReadWhile(TestCluster cluster, TestNode loader, long id, Runnable meanwhile) throws Exception {
		CountDownLatch rowRead = new CountDownLatch(1);
		CountDownLatch released = new CountDownLatch(1);
		AtomicBoolean armed = new AtomicBoolean(true);
		loader.sessionFactory().getServiceRegistry().requireService(EventListenerRegistry.class)
				.appendListeners(EventType.PRE_LOAD, (PreLoadEventListener) event -> {
					if (event.getEntity() instanceof Item item && item.id == id && armed.compareAndSet(true, false)) {
						rowRead.countDown();
						try {
							if (!released.await(30, TimeUnit.SECONDS)) {
								throw new IllegalStateException("the held load was never released; "
										+ cluster.describe());
							}
						}
						catch (InterruptedException e) {
							Thread.currentThread().interrupt();
						}
					}
				});
		CompletableFuture<Integer> load = CompletableFuture.supplyAsync(
				() -> loader.fromTransaction(s -> s.find(Item.class, id).price));
		assertThat(rowRead.await(30, TimeUnit.SECONDS)).as(loader.name() + " read the row; " + cluster.describe())
				.isTrue();
		try {
			meanwhile.run();
		}
		finally {
			released.countDown();
		}
		return load.get(30, TimeUnit.SECONDS);
	}
}
