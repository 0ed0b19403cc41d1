package dev.clustercache.hibernate.internal;

import java.io.Serializable;
import java.util.Comparator;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.hibernate.cache.spi.entry.CacheEntry;

/**
 * Whether a put from load may replace the entry cached now (null when none): minimal puts never replace, versioned
 * entries are replaced only by newer versions. It travels to the key's owner in replicated and distributed regions;
 * there, without Hibernate's comparator, versions compare by their natural order (numbers, timestamps).
 */
final class ReplaceRule implements Predicate<Object>, Serializable {

	private static final long serialVersionUID = 1L;

	/** Read-only inserts: only into an empty slot. */
	static final ReplaceRule ONLY_IF_ABSENT = new ReplaceRule(true, null, false, null);

	private final boolean minimalPut;
	private final Object version;
	private final boolean compareVersions;
	private final transient Supplier<Comparator<Object>> comparator;

	ReplaceRule(boolean minimalPut, Object version, boolean compareVersions, Supplier<Comparator<Object>> comparator) {
		this.minimalPut = minimalPut;
		this.version = version;
		this.compareVersions = compareVersions;
		this.comparator = comparator;
	}

	/**
	 * Whether a put that finds {@code cached} in the region could change it: only a newer version can. A cached state of a
	 * key is current (every write closes a window on it first), so putting a load of an unversioned entity over it
	 * changes nothing.
	 */
	boolean improves(Object cached) {
		return cached == null || (compareVersions && version != null && test(cached));
	}

	@Override
	@SuppressWarnings({"unchecked", "rawtypes"})
	public boolean test(Object cached) {
		if (cached == null) {
			return true;
		}
		if (minimalPut) {
			return false;
		}
		if (compareVersions && version != null && cached instanceof CacheEntry entry && entry.getVersion() != null) {
			if (comparator != null) {
				return comparator.get().compare(entry.getVersion(), version) < 0;
			}
			return entry.getVersion() instanceof Comparable c && version instanceof Comparable
					&& c.compareTo(version) < 0;
		}
		return true;
	}
}
