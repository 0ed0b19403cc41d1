package dev.clustercache.hibernate.internal;

/** Why a put from load was or was not done; counted per region. */
enum PutOutcome {
	PUT,
	/** A write on this key or region is in progress somewhere in the cluster. */
	REJECTED_WRITE_IN_PROGRESS,
	/** A write ended after the load began: the loaded state may be older than the commit. */
	REJECTED_STALE_LOAD,
	/** This node's freshness lease is not valid: it may have missed invalidations. */
	REJECTED_LEASE,
	/** Minimal puts, or an equal or newer version is already cached. */
	SKIPPED
}
