package dev.clustercache.hibernate;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a region keeps its entries consistent across the cluster; the value of {@link ClusterCacheSettings#MODE}. */
public enum RegionMode {
	/** Each node keeps its own copy; a write invalidates the key on every node before its transaction commits. */
	INVALIDATION,
	/** One JVM only: nothing is sent to other nodes. Use it only when the application runs on one node. */
	LOCAL,
	/** Every node holds every entry; each change is decided at the key's primary owner and copied to every node. */
	REPLICATED,
	/**
	 * Each entry lives on a few owner nodes ({@code distributed.owners}); capacity grows as nodes join, and entries
	 * survive fewer than that many nodes crashing.
	 */
	DISTRIBUTED;

	/** The value as written in settings, for example {@code invalidation}. */
	public String externalName() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** The accepted values, quoted and comma separated, for error messages. */
	public static String acceptedValues() {
		return Arrays.stream(values()).map(m -> "'" + m.externalName() + "'").collect(Collectors.joining(", "));
	}
}
