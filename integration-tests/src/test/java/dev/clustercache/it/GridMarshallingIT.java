package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Replicated regions send values between nodes (DESIGN.md §4.6): a class outside the allow-list is refused by the
 * receiving node before it is instantiated, and logged with its name; a value that cannot be sent is not cached,
 * reported once per type, and never fails the user's transaction.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GridMarshallingIT {

	/** Stands for a deserialization gadget: instantiating it from the wire would run code. */
	static final class Gadget implements Serializable {
		private static final long serialVersionUID = 1L;
		static volatile boolean instantiated;

		private void readObject(ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
			in.defaultReadObject();
			instantiated = true;
		}
	}

	/** Serializable, but no type of the mapped model. */
	record Unknown(String text) implements Serializable {
	}

	private TestCluster cluster;
	private final List<LogRecord> records = new CopyOnWriteArrayList<>();
	private final Handler handler = new Handler() {
		@Override
		public void publish(LogRecord record) {
			records.add(record);
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}
	};

	@BeforeAll
	void start() {
		Logger.getLogger("dev.clustercache.hibernate").addHandler(handler);
		cluster = TestCluster.start(GridMarshallingIT.class, 2,
				java.util.Map.of("hibernate.cache.clustercache.mode", "replicated"));
	}

	@AfterAll
	void stop() {
		Logger.getLogger("dev.clustercache.hibernate").removeHandler(handler);
		if (cluster != null) {
			cluster.close();
		}
	}

	@BeforeEach
	void clearLog() {
		records.clear();
	}

	private List<String> warnings() {
		SimpleFormatter f = new SimpleFormatter();
		return records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
				.map(f::formatMessage).toList();
	}

	@Test
	void craftedPayloadWithAClassOutsideTheAllowList_isRefusedByTheReceiver_andLoggedWithItsName() {
		var cacheOnA = GridClusterIT.regionCache(cluster.node(0), Item.class.getName());
		var cacheOnB = GridClusterIT.regionCache(cluster.node(1), Item.class.getName());

		assertThatThrownBy(() -> cacheOnA.put("crafted", new Gadget())).hasStackTraceContaining("allow-list");

		assertThat(Gadget.instantiated).as("the gadget was never instantiated").isFalse();
		assertThat(cacheOnB.getAdvancedCache().withFlags(org.infinispan.context.Flag.CACHE_MODE_LOCAL)
				.get("crafted")).isNull();
		assertThat(warnings()).anyMatch(w -> w.startsWith("B: refused a cache entry from another node: it contains '"
				+ Gadget.class.getName() + "', which is not in ClusterCache's allow-list"));
	}

	@Test
	void valueThatCannotBeSerialized_isNotCached_reportedOncePerType_andTheTransactionGoesOn() {
		Access a = new Access(cluster.node(0));
		Object key = a.key(900_001);
		for (int i = 0; i < 3; i++) {
			SharedSessionContractImplementor s = a.session();
			try {
				assertThat(a.access.putFromLoad(s, key, new Object(), null)).isFalse();
			}
			finally {
				Access.close(s);
			}
		}
		SharedSessionContractImplementor writer = a.session();
		try {
			SoftLock lock = a.access.lockItem(writer, key, null);
			assertThat(a.access.afterUpdate(writer, key, new Object(), null, null, lock)).isFalse();
		}
		finally {
			Access.close(writer);
		}
		assertThat(warnings()).filteredOn(w -> w.contains("'java.lang.Object'")).containsExactly(
				"Region '" + Item.class.getName() + "': not caching entries that contain 'java.lang.Object': it "
						+ "cannot be serialized to travel to other nodes. Make the type Serializable, or give the region "
						+ "the 'invalidation' mode.");
		// the write window was closed without the value: the key is cacheable again
		cluster.await("the key is cacheable again", java.time.Duration.ofSeconds(5), () -> {
			SharedSessionContractImplementor s = a.session();
			try {
				return a.access.putFromLoad(s, key, "fine", null);
			}
			finally {
				Access.close(s);
			}
		});
	}

	@Test
	void valueRefusedByTheOtherOwner_isNotCached_andTheLoadGoesOn() {
		Access b = new Access(cluster.node(1));
		Object key = b.key(900_002);
		cluster.await("a put from load returns", java.time.Duration.ofSeconds(5), () -> {
			SharedSessionContractImplementor s = b.session();
			try {
				return !b.access.putFromLoad(s, key, new Unknown("x"), null);
			}
			finally {
				Access.close(s);
			}
		});
		assertThat(warnings()).anyMatch(w -> w.contains("'" + Unknown.class.getName() + "'"));
	}
}
