package dev.clustercache.hibernate;

import java.util.Locale;

/** The value of {@link ClusterCacheSettings#PARTITION_HANDLING}. */
public enum PartitionHandling {
	/**
	 * A node cut off from the others keeps committing writes; the other side may serve the rows those writes changed
	 * from its cache until the partitions merge, when every node clears its regions.
	 */
	AVAILABLE,
	/**
	 * A node outside a majority of the last stable view refuses writes to cached data (not available yet: choosing it
	 * fails start).
	 */
	STRICT;

	/** The value as written in settings, for example {@code available}. */
	public String externalName() {
		return name().toLowerCase(Locale.ROOT);
	}
}
