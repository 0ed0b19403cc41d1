package dev.clustercache.hibernate.internal;

import org.hibernate.cache.spi.access.SoftLock;

/**
 * The soft lock Hibernate carries from {@code lockItem} to {@code unlockItem}: one open write window, and its opening on
 * the other members (null in a grid region or without a cluster), which the transaction awaits before its commit.
 */
record WriteLock(Object key, Writer writer, ValidationState.WriteToken token, ClusterNode.Opening opening)
		implements SoftLock {
}
