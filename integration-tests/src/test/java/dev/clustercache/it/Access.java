package dev.clustercache.it;

import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/**
 * Drives one node's {@link EntityDataAccess} for {@link Item} directly, the way Hibernate does, so that a test chooses
 * the exact interleaving of loads and writes across nodes.
 */
final class Access {

	final TestNode node;
	final EntityPersister persister;
	final EntityDataAccess access;

	Access(TestNode node) {
		this.node = node;
		this.persister = node.sessionFactory().getMappingMetamodel().getEntityDescriptor(Item.class);
		this.access = persister.getCacheAccessStrategy();
	}

	Object key(long id) {
		return access.generateCacheKey(id, persister, node.sessionFactory(), null);
	}

	/** A session whose transaction has begun: its caching timestamp is now. */
	SharedSessionContractImplementor session() {
		SharedSessionContractImplementor s = (SharedSessionContractImplementor) node.sessionFactory().openSession();
		s.getTransaction().begin();
		return s;
	}

	/**
	 * What Hibernate does right before the commit, after the SQL: the transaction's write windows, sent in one message,
	 * must now be held by every member. A test calls it where the writer's commit is near.
	 */
	static void beforeCommit(SharedSessionContractImplementor session) {
		session.getCacheTransactionSynchronization().transactionCompleting();
	}

	/**
	 * What Hibernate does once the transaction completed, after it ended the windows: the ends that travel
	 * asynchronously go out, in one message.
	 */
	static void afterCompletion(SharedSessionContractImplementor session, boolean committed) {
		session.getCacheTransactionSynchronization().transactionCompleted(committed);
	}

	static void close(SharedSessionContractImplementor session) {
		if (session.getTransaction().isActive()) {
			session.getTransaction().rollback();
		}
		session.close();
	}
}
