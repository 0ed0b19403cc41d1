package dev.clustercache.hibernate.internal;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.hibernate.cache.CacheException;
import org.infinispan.AdvancedCache;
import org.infinispan.context.Flag;
import org.infinispan.functional.EntryView.ReadWriteEntryView;
import org.infinispan.functional.FunctionalMap;
import org.infinispan.functional.impl.FunctionalMapImpl;
import org.infinispan.functional.impl.ReadWriteMapImpl;
import org.jboss.logging.Logger;

/**
 * The entries of a replicated or distributed region (DESIGN.md §4.2): one clustered Infinispan cache whose values are
 * {@link GridEntry} records. Every decision about a key is a {@link GridFunctions} function run at the key's primary
 * owner; nothing here locks in this JVM or reads before it writes. The cache is started on first use, once the mapped
 * model (which the marshaller's allow-list needs for state transfer) is complete.
 */
final class GridRegion implements Store {

	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate");

	private final String name;
	private final java.util.function.Supplier<AdvancedCache<Object, Object>> starter;
	private volatile AdvancedCache<Object, Object> cache;
	private volatile FunctionalMap.ReadWriteMap<Object, Object> functions;
	private final Clock clock;
	private final long lockTimeout;
	private final long skew;
	private final long valueLifespanMillis;
	private final long valueMaxIdleMillis;
	private final long recordLifespanMillis;
	/** Makes this node's writer ids unique in the cluster, also across restarts. */
	private final String writerPrefix = UUID.randomUUID() + "#";
	private final Set<String> unmarshallableLogged = ConcurrentHashMap.newKeySet();

	/**
	 * @param lockTimeoutMillis how long a write window lasts without its end
	 * @param skewMillis the clock skew allowance between nodes
	 * @param lifespanMillis the region's lifespan, -1 for never
	 * @param maxIdleMillis the region's idle timeout, -1 for never
	 */
	GridRegion(String name, java.util.function.Supplier<AdvancedCache<Object, Object>> starter, Clock clock,
			long lockTimeoutMillis, long skewMillis, long lifespanMillis, long maxIdleMillis) {
		this.name = name;
		this.starter = starter;
		this.clock = clock;
		this.lockTimeout = Clock.timestampUnits(lockTimeoutMillis);
		this.skew = Clock.timestampUnits(skewMillis);
		this.valueLifespanMillis = lifespanMillis;
		this.valueMaxIdleMillis = maxIdleMillis;
		this.recordLifespanMillis = 2 * lockTimeoutMillis + skewMillis + 1_000;
	}

	/** Starts the cache (joining its state transfer) if it is not yet. */
	AdvancedCache<Object, Object> cache() {
		AdvancedCache<Object, Object> c = cache;
		if (c == null) {
			synchronized (this) {
				c = cache;
				if (c == null) {
					c = starter.get();
					functions = ReadWriteMapImpl.create(FunctionalMapImpl.create(c));
					cache = c;
				}
			}
		}
		return c;
	}

	boolean started() {
		return cache != null;
	}

	/** Whether this node reads {@code key} from a copy of its own (it owns it) rather than from another owner. */
	boolean readsLocally(Object key) {
		return cache().getDistributionManager().getCacheTopology().isReadOwner(key);
	}

	/** The timing of an event (a window's opening or end, an eviction): a new, strictly increasing timestamp. */
	private GridFunctions.Timing timing() {
		return timing(clock.timestamp());
	}

	private GridFunctions.Timing timing(long now) {
		return new GridFunctions.Timing(now, lockTimeout, skew, valueLifespanMillis, valueMaxIdleMillis,
				recordLifespanMillis);
	}

	/** The cached state of {@code key}, from this node's copy or an owner's. */
	@Override
	public Object get(Object key) {
		return get(key, Long.MIN_VALUE);
	}

	/**
	 * The cached state of {@code key} if it was cached after this node last cleared the region ({@code clearedAt}, this
	 * node's clock; {@link Long#MIN_VALUE} for never). An older one can only have come back through a merge or a state
	 * transfer from a node that had not cleared yet: it is not served.
	 */
	Object get(Object key, long clearedAt) {
		return cache().get(key) instanceof GridEntry.Value v && v.cachedAfter(clearedAt, skew) ? v.value() : null;
	}

	/** Opens a write window on {@code key} at its owners; returns the key's epoch for {@link #endWrite}. */
	long beginWrite(Writer writer, Object key) {
		return (Long) eval(key, new GridFunctions.BeginWrite(writerId(writer), timing()), "open a write window on");
	}

	/** Closes a write window; caches {@code committed} if it was the only change to the key. */
	boolean endWrite(Writer writer, Object key, long epoch, Object committed) {
		String id = writerId(writer);
		if (committed != null && !marshallable(committed)) {
			committed = null;
		}
		try {
			return (Boolean) eval(key, new GridFunctions.EndWrite(id, epoch, committed, timing()),
					"close the write window on");
		}
		catch (CacheException e) {
			if (committed == null) {
				throw e;
			}
			// the committed state could not be stored (an owner refused it): close the window without it
			reportUnstorable(committed, e);
			return (Boolean) eval(key, new GridFunctions.EndWrite(id, epoch, null, timing()),
					"close the write window on");
		}
	}

	void invalidate(Object key) {
		eval(key, new GridFunctions.Invalidate(timing()), "evict");
	}

	/**
	 * Caches {@code value} at the key's owners if the protocol allows it. A value that cannot be sent is not cached
	 * and is reported once per type; the user's transaction goes on.
	 * <p>
	 * A put is no event that anything compares with a transaction's start, so its time is taken as a start is
	 * ({@link Clock#transactionStart()}): above every event of this node before it, which is all that its uses need
	 * (expiring windows, the time the value was cached, compared with the region's last clear). A query puts every row
	 * it reads: with an event's timestamp each put wrote the node's shared counter, and more than 4,096 in a
	 * millisecond made the node's writes wait for the next one.
	 */
	PutOutcome putFromLoad(Object key, Object value, long txTimestamp, long clearedAt, ReplaceRule rule) {
		GridFunctions.Timing t = timing(clock.transactionStart());
		if (t.now() - txTimestamp > lockTimeout) {
			// traces of writes are kept for the lock timeout only: an older transaction cannot be judged
			return PutOutcome.REJECTED_STALE_LOAD;
		}
		if (cache().get(key) instanceof GridEntry.Value cached && cached.cachedAfter(clearedAt, skew)
				&& !rule.improves(cached.value())) {
			// already cached (this node's copy, or an owner's): the owner would keep what it has, so spare the round
			// trips, the key's lock at the primary owner and the replication to the backups. Queries call this for
			// every row they read, cached or not; asking the owners each time made replicated regions 8 times slower
			// than invalidation ones in the multi-JVM sample app (31 against 258 requests/s). Not putting is always
			// safe.
			return PutOutcome.SKIPPED;
		}
		if (!marshallable(value)) {
			return PutOutcome.SKIPPED;
		}
		try {
			return PutOutcome.values()[(Integer) eval(key,
					new GridFunctions.PutFromLoad(value, txTimestamp, clearedAt, rule, t), "cache")];
		}
		catch (CacheException e) {
			reportUnstorable(value, e);
			return PutOutcome.SKIPPED;
		}
	}

	private boolean marshallable(Object value) {
		String failing = GridMarshaller.unmarshallableClass(value);
		if (failing == null) {
			return true;
		}
		if (unmarshallableLogged.add(failing)) {
			LOG.warnf("Region '%s': not caching entries that contain '%s': it cannot be serialized to travel to other "
					+ "nodes. Make the type Serializable, or give the region the 'invalidation' mode.", name, failing);
		}
		return false;
	}

	private void reportUnstorable(Object value, CacheException e) {
		String type = value.getClass().getName();
		if (unmarshallableLogged.add(type + e.getMessage())) {
			LOG.warnf("Region '%s': an entry of type '%s' could not be stored at its owners, so it is not cached: %s",
					name, type, CacheRuntime.rootMessage(e));
		}
	}

	private Object eval(Object key, Function<ReadWriteEntryView<Object, Object>, Object> function, String what) {
		cache();
		try {
			return functions.eval(key, function).join();
		}
		catch (CompletionException e) {
			Throwable cause = e.getCause() == null ? e : e.getCause();
			throw new CacheException("Region '" + name + "': could not " + what + " key '" + key + "' at its owners: "
					+ CacheRuntime.rootMessage(cause), cause);
		}
		catch (RuntimeException e) {
			throw new CacheException("Region '" + name + "': could not " + what + " key '" + key + "' at its owners: "
					+ CacheRuntime.rootMessage(e), e);
		}
	}

	private String writerId(Writer writer) {
		return writerPrefix + writer.id();
	}

	/**
	 * Drops this node's copies (its owned segments, backups and near-cache entries): a region-wide write window or
	 * eviction reaches every node, and each drops its own.
	 */
	@Override
	public void clear() {
		if (cache != null) {
			cache.withFlags(Flag.CACHE_MODE_LOCAL).clear();
		}
	}

	@Override
	public void put(Object key, Object value) {
		throw new IllegalStateException("Region '" + name + "': keys of a grid region change only at their owners");
	}

	/**
	 * Nothing to drop: a key's grid copies change only at its owners. A write window on a key arrives here only from a
	 * node that keeps a near cache, for the near copies this node would hold if it kept one too.
	 */
	@Override
	public void remove(Object key) {
	}

	/** The records this node holds (owned and backup copies, near-cache entries). */
	@Override
	public long size() {
		AdvancedCache<Object, Object> c = cache;
		return c == null ? 0 : c.withFlags(Flag.CACHE_MODE_LOCAL, Flag.SKIP_CACHE_LOAD).size();
	}

	String cacheName() {
		return name;
	}
}
