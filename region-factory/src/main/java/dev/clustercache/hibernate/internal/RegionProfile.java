package dev.clustercache.hibernate.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.clustercache.hibernate.ClusterCacheSettings;
import dev.clustercache.hibernate.RegionMode;

/**
 * How this node keeps each of its domain regions: the mode, and for a distributed region whether it has a near cache.
 * Nodes must agree on it for every region they both have: a region in invalidation mode on one node and replicated on
 * another, or a near cache on one node only (whose copies only writers with a near cache invalidate), leaves a node
 * serving what another changed. Regions that only one node has do not matter (a rolling upgrade adds entities).
 * Immutable; {@link #fingerprint} lets a heartbeat carry it in eight bytes.
 */
final class RegionProfile {

	static final RegionProfile EMPTY = new RegionProfile(new TreeMap<>());
	private static final String NEAR_CACHE = "+near";
	/** At most this many regions are named in a disagreement; the rest are counted. */
	private static final int NAMED = 5;

	/** Wire name (kind prefix and region name) to how the region is kept ({@link #protocol}). */
	private final SortedMap<String, String> regions;
	final long fingerprint;

	private RegionProfile(SortedMap<String, String> regions) {
		this.regions = Collections.unmodifiableSortedMap(regions);
		this.fingerprint = fingerprintOf(regions);
	}

	/**
	 * How a region in {@code mode} is kept, as nodes compare it: a fixed token ({@code invalidation},
	 * {@code distributed+near}), worded for people only when shown, so that rewording a message never makes nodes of
	 * two versions disagree.
	 */
	static String protocol(RegionMode mode, boolean nearCache) {
		return mode.externalName() + (nearCache ? NEAR_CACHE : "");
	}

	/** This profile with {@code wireName} kept as {@code protocol}. */
	RegionProfile with(String wireName, String protocol) {
		SortedMap<String, String> next = new TreeMap<>(regions);
		next.put(wireName, protocol);
		return new RegionProfile(next);
	}

	int size() {
		return regions.size();
	}

	/** FNV-1a over the sorted entries: equal profiles, equal fingerprints on every JVM. */
	private static long fingerprintOf(SortedMap<String, String> regions) {
		long h = 0xcbf29ce484222325L;
		for (Map.Entry<String, String> e : regions.entrySet()) {
			for (String s : new String[] {e.getKey(), e.getValue()}) {
				for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
					h = (h ^ (b & 0xff)) * 0x100000001b3L;
				}
				h = (h ^ 0xff) * 0x100000001b3L; // a separator no UTF-8 text contains
			}
		}
		return h;
	}

	void write(DataOutputStream out) throws IOException {
		out.writeLong(fingerprint);
		out.writeInt(regions.size());
		for (Map.Entry<String, String> e : regions.entrySet()) {
			out.writeUTF(e.getKey());
			out.writeUTF(e.getValue());
		}
	}

	static RegionProfile read(DataInputStream in) throws IOException {
		long fingerprint = in.readLong();
		int n = in.readInt();
		SortedMap<String, String> regions = new TreeMap<>();
		for (int i = 0; i < n; i++) {
			regions.put(in.readUTF(), in.readUTF());
		}
		RegionProfile profile = new RegionProfile(regions);
		if (profile.fingerprint != fingerprint) {
			throw new IOException("A region profile arrived damaged (fingerprint " + fingerprint + ", computed "
					+ profile.fingerprint + ")");
		}
		return profile;
	}

	/**
	 * What this profile (of node {@code self}) and {@code theirs} (of {@code member}) keep differently, or null if they
	 * agree on every region both have.
	 */
	String disagreement(RegionProfile theirs, String self, String member) {
		List<String> differing = new ArrayList<>();
		for (Map.Entry<String, String> e : regions.entrySet()) {
			String other = theirs.regions.get(e.getKey());
			if (other != null && !other.equals(e.getValue())) {
				differing.add("region '" + displayName(e.getKey()) + "' is in " + words(e.getValue()) + " on '" + self
						+ "' but in " + words(other) + " on '" + member + "'");
			}
		}
		if (differing.isEmpty()) {
			return null;
		}
		String named = String.join("; ", differing.subList(0, Math.min(NAMED, differing.size())));
		return named + (differing.size() > NAMED ? "; and " + (differing.size() - NAMED) + " more region(s)" : "");
	}

	/** {@code 'distributed' mode with a near cache} for {@code distributed+near}. */
	private static String words(String protocol) {
		boolean near = protocol.endsWith(NEAR_CACHE);
		String mode = near ? protocol.substring(0, protocol.length() - NEAR_CACHE.length()) : protocol;
		return "'" + mode + "' mode" + (near ? " with a near cache"
				: mode.equals(RegionMode.DISTRIBUTED.externalName()) ? " without a near cache" : "");
	}

	/** The settings that decide how a region is kept, which every node must set alike. */
	static String settingsToAlign() {
		return "Every node must keep a region the same way: set '" + ClusterCacheSettings.MODE + "' (and '"
				+ ClusterCacheSettings.ENTITY_MODE + "', '" + ClusterCacheSettings.COLLECTION_MODE + "', '"
				+ ClusterCacheSettings.NATURALID_MODE + "' or the region's own cache in '" + ClusterCacheSettings.CONFIG
				+ "', where used) and '" + ClusterCacheSettings.DISTRIBUTED_L1 + "' the same on every node";
	}

	/** What a running node whose regions disagree with a member's should do, for logs and health. */
	static String remedy() {
		return settingsToAlign() + ". Until they agree, neither node serves from its caches: reads go to the database";
	}

	private static String displayName(String wireName) {
		return wireName.length() > 2 && wireName.charAt(1) == ':' ? wireName.substring(2) : wireName;
	}

	@Override
	public String toString() {
		return regions.toString();
	}
}
