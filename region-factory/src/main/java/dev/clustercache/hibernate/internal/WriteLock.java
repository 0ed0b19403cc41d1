package dev.clustercache.hibernate.internal;

import org.hibernate.cache.spi.access.SoftLock;

/** The soft lock Hibernate carries from {@code lockItem} to {@code unlockItem}: one open write window. */
record WriteLock(Object key, Writer writer, ValidationState.WriteToken token, ClusterNode.Window window)
		implements SoftLock {
}
