package dev.clustercache.it;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.boot.MetadataSources;
import org.hibernate.boot.registry.StandardServiceRegistry;
import org.hibernate.boot.registry.StandardServiceRegistryBuilder;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.stat.Statistics;

import dev.clustercache.hibernate.ClusterCacheRegionFactory;

/** One node of a test cluster: a SessionFactory with its own ClusterCache (and so its own JGroups channel). */
public final class TestNode implements AutoCloseable {

	public static final Class<?>[] MODEL = {Item.class, Category.class, Stock.class, Country.class};

	private final String name;
	private final SessionFactoryImplementor sessionFactory;

	private TestNode(String name, SessionFactoryImplementor sessionFactory) {
		this.name = name;
		this.sessionFactory = sessionFactory;
	}

	public static TestNode start(String name, Map<String, Object> settings) {
		return start(name, settings, MODEL);
	}

	public static TestNode start(String name, Map<String, Object> settings, Class<?>... model) {
		StandardServiceRegistry registry = new StandardServiceRegistryBuilder().applySettings(settings).build();
		try {
			SessionFactory sf = new MetadataSources(registry).addAnnotatedClasses(model).buildMetadata()
					.buildSessionFactory();
			return new TestNode(name, (SessionFactoryImplementor) sf);
		}
		catch (RuntimeException e) {
			StandardServiceRegistryBuilder.destroy(registry);
			throw e;
		}
	}

	public String name() {
		return name;
	}

	public SessionFactoryImplementor sessionFactory() {
		return sessionFactory;
	}

	public ClusterCacheRegionFactory regionFactory() {
		return (ClusterCacheRegionFactory) sessionFactory.getServiceRegistry().getService(RegionFactory.class);
	}

	public Statistics statistics() {
		return sessionFactory.getStatistics();
	}

	public void inTransaction(Consumer<Session> work) {
		sessionFactory.inTransaction(work);
	}

	public <T> T fromTransaction(Function<Session, T> work) {
		return sessionFactory.fromTransaction(work);
	}

	/** Finds an entity in a transaction of its own. */
	public <T> T find(Class<T> type, Object id) {
		return sessionFactory.fromTransaction(s -> s.find(type, id));
	}

	/**
	 * Finds an entity with fresh transactions until this node has cached it, and returns it. The end of another
	 * node's write window travels asynchronously; until it arrives this node loads from the database without caching
	 * (the safe direction), so a test that expects a hit next first waits here. Fails after five seconds.
	 */
	public <T> T loadIntoCache(Class<T> type, Object id) {
		long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
		while (true) {
			T found = find(type, id);
			if (found != null && sessionFactory.getCache().containsEntity(type, id)) {
				return found;
			}
			if (System.nanoTime() - deadline > 0) {
				throw new AssertionError(describe() + " did not cache " + type.getSimpleName() + "#" + id
						+ " within 5 s (found " + found + ")");
			}
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new AssertionError("interrupted", e);
			}
		}
	}

	/**
	 * Finds item {@code id} in a transaction of its own every 200 ms for {@code duration}, and returns how many of those
	 * reads missed the item region (were not served from the cache).
	 */
	public long readItemRepeatedly(long id, java.time.Duration duration) throws InterruptedException {
		String region = Item.class.getName();
		long hits = hits(region);
		long readUntil = System.nanoTime() + duration.toNanos();
		int reads = 0;
		while (System.nanoTime() - readUntil < 0) {
			if (find(Item.class, id) == null) {
				throw new AssertionError(name + " did not find item " + id);
			}
			reads++;
			Thread.sleep(200);
		}
		return reads - (hits(region) - hits);
	}

	/** The second-level cache hits of one region on this node. */
	public long hits(String region) {
		return statistics().getDomainDataRegionStatistics(region).getHitCount();
	}

	public long queryHits() {
		return statistics().getQueryCacheHitCount();
	}

	public String describe() {
		try {
			return name + " view " + regionFactory().getClusterMembers() + " serving "
					+ regionFactory().isServingFromCache();
		}
		catch (RuntimeException e) {
			return name + " (" + e + ")";
		}
	}

	@Override
	public void close() {
		if (!sessionFactory.isClosed()) {
			sessionFactory.close();
		}
	}
}
