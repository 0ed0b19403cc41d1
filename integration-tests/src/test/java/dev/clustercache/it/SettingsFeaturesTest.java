package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.lifecycle.ComponentStatus;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.manager.EmbeddedCacheManager;
import org.junit.jupiter.api.Test;

/** Settings that change how ClusterCache starts, in local mode (no network). */
class SettingsFeaturesTest {

	private static Map<String, Object> settings(String db, Object... keyValues) {
		Map<String, Object> s = new HashMap<>();
		s.put("hibernate.connection.url", "jdbc:h2:mem:" + db + ";DB_CLOSE_DELAY=-1");
		s.put("hibernate.connection.username", "sa");
		s.put("hibernate.hbm2ddl.auto", "create-drop");
		s.put("hibernate.cache.region.factory_class", "clustercache");
		s.put("hibernate.cache.use_second_level_cache", "true");
		s.put("hibernate.generate_statistics", "true");
		s.put("hibernate.cache.clustercache.mode", "local");
		for (int i = 0; i < keyValues.length; i += 2) {
			s.put((String) keyValues[i], keyValues[i + 1]);
		}
		return s;
	}

	@Test
	void unknownKeysUnderThePrefix_areWarnedAboutInOneLine() {
		List<LogRecord> records = new ArrayList<>();
		Handler handler = new Handler() {
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
		Logger config = Logger.getLogger("dev.clustercache.hibernate.config");
		config.addHandler(handler);
		try (TestNode node = TestNode.start("A", settings("unknownKeys",
				"hibernate.cache.clustercache.max_entrys", "5",
				"hibernate.cache.clustercache.jgroups.bind_port", "7900"))) {
			assertThat(records).filteredOn(r -> r.getLevel().intValue() == Level.WARNING.intValue())
					.extracting(LogRecord::getMessage)
					.containsExactly("Ignoring unknown ClusterCache settings 'hibernate.cache.clustercache.max_entrys'."
							+ " Check their spelling against the README's settings table, or remove them to silence "
							+ "this warning.");
		}
		finally {
			config.removeHandler(handler);
		}
	}

	@Test
	void aUsersInfinispanXml_replacesTheDefaultsOfTheRegionItNames() {
		try (TestNode node = TestNode.start("A", settings("userXml",
				"hibernate.cache.clustercache.config", "small-items.xml"))) {
			node.inTransaction(s -> {
				for (long id = 1; id <= 20; id++) {
					s.persist(new Item(id, "sku-" + id, "item", 1, null));
				}
			});
			for (long id = 1; id <= 20; id++) {
				node.find(Item.class, id);
			}
			long inMemory = node.statistics().getDomainDataRegionStatistics(Item.class.getName())
					.getElementCountInMemory();
			assertThat(inMemory).isBetween(1L, 5L);
		}
	}

	@Test
	void aGivenCacheManager_isUsed_andNotStopped() {
		EmbeddedCacheManager cm = new DefaultCacheManager(new GlobalConfigurationBuilder().nonClusteredDefault()
				.build());
		try {
			try (TestNode node = TestNode.start("A", settings("givenCacheManager",
					"hibernate.cache.clustercache.cache_manager", cm))) {
				assertThat(node.regionFactory().getCacheManager()).isSameAs(cm);
				node.inTransaction(s -> s.persist(new Item(1L, "sku-1", "one", 1, null)));
				assertThat(node.find(Item.class, 1L).price).isEqualTo(1);
				assertThat(node.hits(Item.class.getName())).isPositive();
			}
			assertThat(cm.getStatus()).isEqualTo(ComponentStatus.RUNNING);
		}
		finally {
			cm.stop();
		}
	}
}
