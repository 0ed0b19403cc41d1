package dev.clustercache.hibernate;

import java.util.Objects;

/**
 * Whether ClusterCache serves from its caches on this node, from {@link ClusterCacheRegionFactory#health()}; for an
 * application's health endpoint. Computed locally, without a network call.
 *
 * @param status {@link Status#UP} or {@link Status#DEGRADED}
 * @param reason why the cache is degraded and what to check; empty when up
 */
public record ClusterCacheHealth(Status status, String reason) {

	public enum Status {
		/** This node heard from every member of its view within its lease, and serves from its caches. */
		UP,
		/**
		 * This node serves nothing from its caches (its lease expired, it is inside a merge, or it is not started):
		 * reads go to the database, so the application is correct but slower.
		 */
		DEGRADED
	}

	public ClusterCacheHealth {
		Objects.requireNonNull(status, "status");
		Objects.requireNonNull(reason, "reason");
	}

	public static ClusterCacheHealth up() {
		return new ClusterCacheHealth(Status.UP, "");
	}

	public static ClusterCacheHealth degraded(String reason) {
		return new ClusterCacheHealth(Status.DEGRADED, reason);
	}

	public boolean isUp() {
		return status == Status.UP;
	}
}
