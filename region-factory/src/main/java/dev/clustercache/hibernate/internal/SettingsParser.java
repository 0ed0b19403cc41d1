package dev.clustercache.hibernate.internal;

import static dev.clustercache.hibernate.ClusterCacheSettings.CACHE_MANAGER;
import static dev.clustercache.hibernate.ClusterCacheSettings.CLOCK_SKEW;
import static dev.clustercache.hibernate.ClusterCacheSettings.CLUSTER_NAME;
import static dev.clustercache.hibernate.ClusterCacheSettings.CONFIG;
import static dev.clustercache.hibernate.ClusterCacheSettings.DISTRIBUTED_L1;
import static dev.clustercache.hibernate.ClusterCacheSettings.DISTRIBUTED_OWNERS;
import static dev.clustercache.hibernate.ClusterCacheSettings.INVALIDATION_TIMEOUT;
import static dev.clustercache.hibernate.ClusterCacheSettings.JGROUPS_PROPERTY_PREFIX;
import static dev.clustercache.hibernate.ClusterCacheSettings.JGROUPS_STACK;
import static dev.clustercache.hibernate.ClusterCacheSettings.LEASE;
import static dev.clustercache.hibernate.ClusterCacheSettings.LIFESPAN;
import static dev.clustercache.hibernate.ClusterCacheSettings.LOCK_TIMEOUT;
import static dev.clustercache.hibernate.ClusterCacheSettings.MAX_ENTRIES;
import static dev.clustercache.hibernate.ClusterCacheSettings.MAX_IDLE;
import static dev.clustercache.hibernate.ClusterCacheSettings.MODE;
import static dev.clustercache.hibernate.ClusterCacheSettings.NODE_NAME;
import static dev.clustercache.hibernate.ClusterCacheSettings.PARTITION_HANDLING;
import static dev.clustercache.hibernate.ClusterCacheSettings.PREFIX;
import static dev.clustercache.hibernate.ClusterCacheSettings.SECURITY;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.hibernate.cache.CacheException;

import dev.clustercache.hibernate.PartitionHandling;
import dev.clustercache.hibernate.RegionMode;
import dev.clustercache.hibernate.jgroups.JGroupsStacks;

/** Reads the ClusterCache settings out of Hibernate's configuration map, once, into an immutable {@link Settings}. */
final class SettingsParser {

	static final String DEFAULT_STACK = "localhost";
	static final String DEFAULT_CLUSTER_NAME = "clustercache";
	static final long DEFAULT_MAX_ENTRIES = 10_000;
	static final Duration DEFAULT_MAX_IDLE = Duration.ofMinutes(10);
	static final Duration DEFAULT_LIFESPAN = Duration.ofHours(1);
	static final Duration DEFAULT_INVALIDATION_TIMEOUT = Duration.ofSeconds(30);
	static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(60);
	static final Duration DEFAULT_CLOCK_SKEW = Duration.ofMillis(50);
	static final long DEFAULT_OWNERS = 2;

	private static final Pattern DURATION = Pattern.compile("(-?\\d+)\\s*(ms|s|m|h|d)");

	private final Map<String, Object> raw;
	private final Set<String> used = new HashSet<>();

	private SettingsParser(Map<String, Object> raw) {
		this.raw = raw;
	}

	/** The parsed settings and the keys under our prefix that nothing reads. */
	record Result(Settings settings, Set<String> unknownKeys) {
	}

	static Result parse(Map<String, Object> configValues) {
		SettingsParser parser = new SettingsParser(configValues);
		Settings settings = parser.parse();
		Set<String> unknown = new TreeSet<>();
		for (String key : configValues.keySet()) {
			if (key.startsWith(PREFIX) && !parser.used.contains(key) && !key.startsWith(JGROUPS_PROPERTY_PREFIX)) {
				unknown.add(key);
			}
		}
		return new Result(settings, unknown);
	}

	private Settings parse() {
		RegionMode globalMode = mode(MODE, RegionMode.INVALIDATION);
		long maxEntries = count(MAX_ENTRIES, DEFAULT_MAX_ENTRIES);
		Duration maxIdle = expiry(MAX_IDLE, DEFAULT_MAX_IDLE);
		Duration lifespan = expiry(LIFESPAN, DEFAULT_LIFESPAN);
		Map<RegionKind, Settings.RegionDefaults> regions = new EnumMap<>(RegionKind.class);
		for (RegionKind kind : RegionKind.values()) {
			String p = PREFIX + kind.settingsName + ".";
			RegionMode mode = kind == RegionKind.QUERY ? queryMode(p + "mode") : mode(p + "mode", globalMode);
			// a replicated or distributed region's idle time is kept at every owner, so each hit sends a touch to the
			// others (measured: a replicated findHit 8 times slower); such a region has no idle timeout unless one is
			// set, and its lifespan bounds it
			Duration kindMaxIdle = CacheRuntime.isGrid(mode) && string(MAX_IDLE) == null && string(p + "max_idle") == null
					? Duration.ZERO : expiry(p + "max_idle", maxIdle);
			regions.put(kind, new Settings.RegionDefaults(mode,
					count(p + "max_entries", maxEntries),
					kindMaxIdle,
					expiry(p + "lifespan", lifespan)));
		}
		long owners = count(DISTRIBUTED_OWNERS, DEFAULT_OWNERS);
		if (owners > 1_000) {
			throw invalid(DISTRIBUTED_OWNERS, string(DISTRIBUTED_OWNERS), "a whole number from 1 to 1000 such as '2'");
		}
		boolean l1 = bool(DISTRIBUTED_L1, false);

		Map<String, String> jgroupsProperties = new TreeMap<>();
		for (Map.Entry<String, Object> e : raw.entrySet()) {
			if (e.getKey().startsWith(JGROUPS_PROPERTY_PREFIX) && !e.getKey().equals(JGROUPS_STACK)
					&& e.getValue() != null) {
				jgroupsProperties.put(e.getKey().substring(PREFIX.length()), e.getValue().toString().trim());
			}
		}

		PartitionHandling partitionHandling = partitionHandling();
		Duration lease = duration(LEASE, null);
		if (lease != null && (lease.isZero() || lease.isNegative())) {
			throw invalid(LEASE, string(LEASE), "a positive duration such as '3s'");
		}
		Duration invalidationTimeout = positive(INVALIDATION_TIMEOUT, DEFAULT_INVALIDATION_TIMEOUT);
		Duration lockTimeout = positive(LOCK_TIMEOUT, DEFAULT_LOCK_TIMEOUT);
		String stack = nonBlank(JGROUPS_STACK, DEFAULT_STACK);
		// all members of the loopback stack share one machine and so one clock; 1 ms covers the per-JVM counter in
		// the low bits of the timestamps, which never runs ahead of the wall clock's next millisecond (CacheTimestamps)
		Duration clockSkew = duration(CLOCK_SKEW, stack.equals(DEFAULT_STACK) ? Duration.ofMillis(1)
				: DEFAULT_CLOCK_SKEW);
		if (clockSkew.isNegative()) {
			throw invalid(CLOCK_SKEW, string(CLOCK_SKEW), "a duration of zero or more such as '50ms'");
		}
		Object cacheManager = raw.get(CACHE_MANAGER);
		used.add(CACHE_MANAGER);
		if (cacheManager != null && !isCacheManager(cacheManager)) {
			throw new CacheException("Invalid value for '" + CACHE_MANAGER + "': an instance of "
					+ cacheManager.getClass().getName()
					+ ". Expected an org.infinispan.manager.EmbeddedCacheManager object put into the settings map.");
		}
		return new Settings(
				stack,
				Map.copyOf(jgroupsProperties),
				security(),
				nonBlank(CLUSTER_NAME, DEFAULT_CLUSTER_NAME),
				nonBlank(NODE_NAME, null),
				Map.copyOf(regions),
				nonBlank(CONFIG, null),
				cacheManager,
				lease,
				invalidationTimeout,
				lockTimeout,
				partitionHandling,
				clockSkew,
				(int) owners,
				l1);
	}

	private boolean bool(String key, boolean defaultValue) {
		String s = string(key);
		if (s == null) {
			return defaultValue;
		}
		if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
			return Boolean.parseBoolean(s);
		}
		throw invalid(key, s, "'true' or 'false'");
	}

	private java.util.Set<JGroupsStacks.Security> security() {
		String s = string(SECURITY);
		java.util.Set<JGroupsStacks.Security> result = java.util.EnumSet.noneOf(JGroupsStacks.Security.class);
		if (s == null || s.equalsIgnoreCase("none")) {
			return result;
		}
		for (String part : s.split(",")) {
			switch (part.trim().toLowerCase(Locale.ROOT)) {
				case "encrypt" -> result.add(JGroupsStacks.Security.SYM_ENCRYPT);
				case "auth" -> result.add(JGroupsStacks.Security.AUTH);
				default -> throw invalid(SECURITY, s, "a comma-separated list of 'encrypt' and 'auth', or 'none'");
			}
		}
		return java.util.Set.copyOf(result);
	}

	private static boolean isCacheManager(Object o) {
		try {
			return Class.forName("org.infinispan.manager.EmbeddedCacheManager", false, o.getClass().getClassLoader())
					.isInstance(o);
		}
		catch (ClassNotFoundException e) {
			return false;
		}
	}

	private String string(String key) {
		used.add(key);
		Object v = raw.get(key);
		if (v == null) {
			return null;
		}
		String s = v.toString().trim();
		return s.isEmpty() ? null : s;
	}

	private String nonBlank(String key, String defaultValue) {
		String s = string(key);
		return s == null ? defaultValue : s;
	}

	private RegionMode mode(String key, RegionMode defaultValue) {
		String s = string(key);
		if (s == null) {
			return defaultValue;
		}
		for (RegionMode m : RegionMode.values()) {
			if (m.externalName().equalsIgnoreCase(s)) {
				return m;
			}
		}
		throw invalid(key, s, "one of " + RegionMode.acceptedValues());
	}

	private RegionMode queryMode(String key) {
		String s = string(key);
		if (s == null || s.equalsIgnoreCase("local")) {
			return RegionMode.LOCAL;
		}
		throw invalid(key, s, "'local': query results are cached per node and made cluster-safe by the "
				+ "update timestamps every node keeps");
	}

	private PartitionHandling partitionHandling() {
		String s = string(PARTITION_HANDLING);
		if (s == null || s.equalsIgnoreCase("available")) {
			return PartitionHandling.AVAILABLE;
		}
		if (s.equalsIgnoreCase("strict")) {
			throw new CacheException("Invalid value for '" + PARTITION_HANDLING + "': 'strict'. This version of "
					+ "ClusterCache does not support strict partition handling yet. Remove the setting or use "
					+ "'available'.");
		}
		throw invalid(PARTITION_HANDLING, s, "'available' or 'strict'");
	}

	private long count(String key, long defaultValue) {
		String s = string(key);
		if (s == null) {
			return defaultValue;
		}
		try {
			long n = Long.parseLong(s.replace("_", ""));
			if (n > 0) {
				return n;
			}
		}
		catch (NumberFormatException ignored) {
			// reported below
		}
		throw invalid(key, s, "a whole number greater than zero such as '10000'");
	}

	/** An expiration: zero or negative means never, stored as {@link Duration#ZERO}. */
	private Duration expiry(String key, Duration defaultValue) {
		Duration d = duration(key, defaultValue);
		return d.isNegative() ? Duration.ZERO : d;
	}

	private Duration positive(String key, Duration defaultValue) {
		Duration d = duration(key, defaultValue);
		if (d.isZero() || d.isNegative()) {
			throw invalid(key, string(key), "a positive duration such as '30s'");
		}
		return d;
	}

	private Duration duration(String key, Duration defaultValue) {
		String s = string(key);
		if (s == null) {
			return defaultValue;
		}
		Duration d = parseDuration(s);
		if (d == null) {
			throw invalid(key, s, "a duration such as '15s' or 'PT15S'");
		}
		return d;
	}

	/** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, ISO-8601, {@code 0} and {@code -1}. */
	static Duration parseDuration(String s) {
		String t = s.trim().toLowerCase(Locale.ROOT);
		if (t.equals("0") || t.equals("-1")) {
			return Duration.ofMillis(Long.parseLong(t));
		}
		Matcher m = DURATION.matcher(t);
		if (m.matches()) {
			long n = Long.parseLong(m.group(1));
			return switch (m.group(2)) {
				case "ms" -> Duration.ofMillis(n);
				case "s" -> Duration.ofSeconds(n);
				case "m" -> Duration.ofMinutes(n);
				case "h" -> Duration.ofHours(n);
				default -> Duration.ofDays(n);
			};
		}
		if (t.startsWith("p") || t.startsWith("-p")) {
			try {
				return Duration.parse(s.trim());
			}
			catch (DateTimeParseException e) {
				return null;
			}
		}
		return null;
	}

	static CacheException invalid(String key, String value, String expected) {
		return new CacheException("Invalid value for '" + key + "': '" + value + "'. Expected " + expected + ".");
	}

	/** The one-line warning about keys under our prefix that nothing reads, or null when there are none. */
	static String unknownKeysWarning(Set<String> unknown) {
		if (unknown.isEmpty()) {
			return null;
		}
		return "Ignoring unknown ClusterCache settings " + unknown.stream().map(k -> "'" + k + "'")
				.collect(Collectors.joining(", ")) + ". Check their spelling against the README's settings table, "
				+ "or remove them to silence this warning.";
	}
}
