package dev.clustercache.hibernate.internal;

import org.hibernate.cache.spi.ExtendedStatisticsSupport;

/** Hibernate's element counts for a region that lives in memory only; its size in bytes is not tracked. */
interface InMemoryCounts extends ExtendedStatisticsSupport {

	@Override
	default long getElementCountOnDisk() {
		return 0;
	}

	@Override
	default long getSizeInMemory() {
		return -1;
	}
}
