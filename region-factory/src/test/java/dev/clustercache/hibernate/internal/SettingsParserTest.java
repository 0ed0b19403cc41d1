package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.hibernate.cache.CacheException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.clustercache.hibernate.ClusterCacheSettings;
import dev.clustercache.hibernate.PartitionHandling;
import dev.clustercache.hibernate.RegionMode;

class SettingsParserTest {

	private static final String P = ClusterCacheSettings.PREFIX;

	private static Settings parse(Object... keysAndValues) {
		return SettingsParser.parse(config(keysAndValues)).settings();
	}

	private static Map<String, Object> config(Object... keysAndValues) {
		Map<String, Object> m = new HashMap<>();
		// settings of other libraries share the map; they must be left alone
		m.put("hibernate.cache.region.factory_class", "clustercache");
		m.put("hibernate.show_sql", "true");
		for (int i = 0; i < keysAndValues.length; i += 2) {
			m.put((String) keysAndValues[i], keysAndValues[i + 1]);
		}
		return m;
	}

	private static void assertFails(String message, Object... keysAndValues) {
		assertThatThrownBy(() -> SettingsParser.parse(config(keysAndValues)))
				.isInstanceOf(CacheException.class)
				.hasMessage(message);
	}

	// ---- defaults

	@Test
	void noSettings_giveSafeDefaultsForEveryKindOfRegion() {
		Settings s = parse();

		for (RegionKind kind : new RegionKind[] {RegionKind.ENTITY, RegionKind.COLLECTION, RegionKind.NATURAL_ID}) {
			assertThat(s.region(kind)).as(kind.name()).isEqualTo(new Settings.RegionDefaults(RegionMode.INVALIDATION,
					10_000, Duration.ofMinutes(10), Duration.ofHours(1)));
		}
		assertThat(s.region(RegionKind.QUERY)).isEqualTo(
				new Settings.RegionDefaults(RegionMode.LOCAL, 10_000, Duration.ofMinutes(10), Duration.ofHours(1)));
		assertThat(s.clustered()).isTrue();
	}

	@Test
	void noSettings_giveLocalhostStackAndDefaultTimeouts() {
		Settings s = parse();

		assertThat(s.jgroupsStack()).isEqualTo("localhost");
		assertThat(s.jgroupsProperties()).isEmpty();
		assertThat(s.clusterName()).isEqualTo("clustercache");
		assertThat(s.nodeName()).isNull();
		assertThat(s.infinispanConfig()).isNull();
		assertThat(s.cacheManager()).isNull();
		assertThat(s.lease()).as("derived from the stack's failure detection later").isNull();
		assertThat(s.invalidationTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(s.lockTimeout()).isEqualTo(Duration.ofSeconds(60));
		assertThat(s.partitionHandling()).isEqualTo(PartitionHandling.AVAILABLE);
	}

	@Test
	void clockSkew_defaultsToOneMillisecondOnLocalhostStack_theResolutionOfHibernatesTimestamps() {
		assertThat(parse().clockSkew()).isEqualTo(Duration.ofMillis(1));
		assertThat(parse(ClusterCacheSettings.JGROUPS_STACK, "localhost").clockSkew())
				.isEqualTo(Duration.ofMillis(1));
	}

	@Test
	void clockSkew_defaultsTo50msOnAnyOtherStack() {
		Settings s = parse(ClusterCacheSettings.JGROUPS_STACK, "tcp");

		assertThat(s.jgroupsStack()).isEqualTo("tcp");
		assertThat(s.clockSkew()).isEqualTo(Duration.ofMillis(50));
	}

	@Test
	void clockSkew_canBeSet() {
		assertThat(parse(ClusterCacheSettings.JGROUPS_STACK, "udp", ClusterCacheSettings.CLOCK_SKEW, "5ms").clockSkew())
				.isEqualTo(Duration.ofMillis(5));
		assertThat(parse(ClusterCacheSettings.CLOCK_SKEW, "0").clockSkew()).isEqualTo(Duration.ZERO);
	}

	@Test
	void blankValues_countAsUnset() {
		Settings s = parse(ClusterCacheSettings.CLUSTER_NAME, "  ", ClusterCacheSettings.MAX_ENTRIES, "",
				ClusterCacheSettings.JGROUPS_STACK, " ");

		assertThat(s.clusterName()).isEqualTo("clustercache");
		assertThat(s.jgroupsStack()).isEqualTo("localhost");
		assertThat(s.region(RegionKind.ENTITY).maxEntries()).isEqualTo(10_000);
	}

	// ---- global and per-kind values

	@Test
	void globalValues_applyToEveryKind() {
		Settings s = parse(ClusterCacheSettings.MAX_ENTRIES, "500", ClusterCacheSettings.MAX_IDLE, "2m",
				ClusterCacheSettings.LIFESPAN, "3h");

		for (RegionKind kind : RegionKind.values()) {
			assertThat(s.region(kind).maxEntries()).as(kind.name()).isEqualTo(500);
			assertThat(s.region(kind).maxIdle()).as(kind.name()).isEqualTo(Duration.ofMinutes(2));
			assertThat(s.region(kind).lifespan()).as(kind.name()).isEqualTo(Duration.ofHours(3));
		}
	}

	@Test
	void gridRegions_haveNoIdleTimeoutUnlessOneIsSet() {
		Settings unset = parse(ClusterCacheSettings.MODE, "replicated", P + "collection.mode", "invalidation");
		assertThat(unset.region(RegionKind.ENTITY).maxIdle()).isZero();
		assertThat(unset.region(RegionKind.ENTITY).lifespan()).isEqualTo(Duration.ofHours(1));
		assertThat(unset.region(RegionKind.COLLECTION).maxIdle()).isEqualTo(Duration.ofMinutes(10));

		Settings perKind = parse(ClusterCacheSettings.MODE, "distributed", P + "entity.max_idle", "2s");
		assertThat(perKind.region(RegionKind.ENTITY).maxIdle()).isEqualTo(Duration.ofSeconds(2));
		assertThat(perKind.region(RegionKind.NATURAL_ID).maxIdle()).isZero();

		Settings global = parse(ClusterCacheSettings.MODE, "distributed", ClusterCacheSettings.MAX_IDLE, "5m");
		assertThat(global.region(RegionKind.ENTITY).maxIdle()).isEqualTo(Duration.ofMinutes(5));
	}

	@Test
	void perKindValues_overrideGlobalOnlyForThatKind() {
		Settings s = parse(ClusterCacheSettings.MAX_ENTRIES, "500",
				P + "entity.max_entries", "20000",
				P + "collection.mode", "local",
				P + "naturalid.max_idle", "30s",
				P + "query.lifespan", "5m");

		assertThat(s.region(RegionKind.ENTITY)).isEqualTo(new Settings.RegionDefaults(RegionMode.INVALIDATION,
				20_000, Duration.ofMinutes(10), Duration.ofHours(1)));
		assertThat(s.region(RegionKind.COLLECTION)).isEqualTo(new Settings.RegionDefaults(RegionMode.LOCAL,
				500, Duration.ofMinutes(10), Duration.ofHours(1)));
		assertThat(s.region(RegionKind.NATURAL_ID)).isEqualTo(new Settings.RegionDefaults(RegionMode.INVALIDATION,
				500, Duration.ofSeconds(30), Duration.ofHours(1)));
		assertThat(s.region(RegionKind.QUERY)).isEqualTo(new Settings.RegionDefaults(RegionMode.LOCAL,
				500, Duration.ofMinutes(10), Duration.ofMinutes(5)));
	}

	@Test
	void globalModeLocal_makesEveryRegionLocalAndNeedsNoCluster() {
		Settings s = parse(ClusterCacheSettings.MODE, "local");

		for (RegionKind kind : RegionKind.values()) {
			assertThat(s.region(kind).mode()).as(kind.name()).isEqualTo(RegionMode.LOCAL);
		}
		assertThat(s.clustered()).isFalse();
	}

	@Test
	void perKindMode_overridesGlobalMode() {
		Settings s = parse(ClusterCacheSettings.MODE, "local", ClusterCacheSettings.ENTITY_MODE, "invalidation");

		assertThat(s.region(RegionKind.ENTITY).mode()).isEqualTo(RegionMode.INVALIDATION);
		assertThat(s.region(RegionKind.COLLECTION).mode()).isEqualTo(RegionMode.LOCAL);
		assertThat(s.clustered()).isTrue();
	}

	@Test
	void modeValues_areCaseInsensitiveAndTrimmed() {
		assertThat(parse(ClusterCacheSettings.MODE, " LOCAL ").region(RegionKind.ENTITY).mode())
				.isEqualTo(RegionMode.LOCAL);
	}

	@Test
	void queryModeLocal_isAccepted() {
		assertThat(parse(ClusterCacheSettings.QUERY_MODE, "local").region(RegionKind.QUERY).mode())
				.isEqualTo(RegionMode.LOCAL);
	}

	@Test
	void nonStringValues_areReadThroughToString() {
		Settings s = parse(ClusterCacheSettings.MAX_ENTRIES, 2500, ClusterCacheSettings.LOCK_TIMEOUT,
				Duration.ofSeconds(90));

		assertThat(s.region(RegionKind.ENTITY).maxEntries()).isEqualTo(2500);
		assertThat(s.lockTimeout()).isEqualTo(Duration.ofSeconds(90));
	}

	@Test
	void maxEntries_acceptsUnderscores() {
		assertThat(parse(ClusterCacheSettings.MAX_ENTRIES, "50_000").region(RegionKind.ENTITY).maxEntries())
				.isEqualTo(50_000);
	}

	@Test
	void namesAndPaths_areTakenAsGiven() {
		Settings s = parse(ClusterCacheSettings.CLUSTER_NAME, "orders", ClusterCacheSettings.NODE_NAME, "A",
				ClusterCacheSettings.CONFIG, "infinispan.xml", ClusterCacheSettings.LEASE, "3s",
				ClusterCacheSettings.INVALIDATION_TIMEOUT, "10s", ClusterCacheSettings.PARTITION_HANDLING, "available");

		assertThat(s.clusterName()).isEqualTo("orders");
		assertThat(s.nodeName()).isEqualTo("A");
		assertThat(s.infinispanConfig()).isEqualTo("infinispan.xml");
		assertThat(s.lease()).isEqualTo(Duration.ofSeconds(3));
		assertThat(s.invalidationTimeout()).isEqualTo(Duration.ofSeconds(10));
		assertThat(s.partitionHandling()).isEqualTo(PartitionHandling.AVAILABLE);
	}

	// ---- durations

	@ParameterizedTest
	@CsvSource({
			"500ms, PT0.5S",
			"30s, PT30S",
			"5m, PT5M",
			"1h, PT1H",
			"1d, PT24H",
			"PT15S, PT15S",
			"pt15s, PT15S",
			"' 30s ', PT30S",
			"'10 s', PT10S"})
	void durations_carryUnits(String value, String expected) {
		assertThat(SettingsParser.parseDuration(value)).isEqualTo(Duration.parse(expected));
		assertThat(parse(ClusterCacheSettings.LOCK_TIMEOUT, value).lockTimeout()).isEqualTo(Duration.parse(expected));
	}

	@ParameterizedTest
	@CsvSource({"abc", "15", "1.5s", "15 seconds", "PTX", "s"})
	void parseDuration_returnsNullForAnythingElse(String value) {
		assertThat(SettingsParser.parseDuration(value)).isNull();
	}

	@Test
	void expirations_zeroOrMinusOneMeanNever() {
		Settings s = parse(ClusterCacheSettings.MAX_IDLE, "0", ClusterCacheSettings.LIFESPAN, "-1");

		assertThat(s.region(RegionKind.ENTITY).maxIdle()).isEqualTo(Duration.ZERO);
		assertThat(s.region(RegionKind.ENTITY).lifespan()).isEqualTo(Duration.ZERO);
	}

	@Test
	void expirations_negativeMeansNever() {
		assertThat(parse(P + "entity.lifespan", "-5m").region(RegionKind.ENTITY).lifespan()).isEqualTo(Duration.ZERO);
	}

	// ---- bad values: the messages are API

	@Test
	void badDuration_failsNamingKeyValueAndFormat() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.lock_timeout': 'abc'. "
				+ "Expected a duration such as '15s' or 'PT15S'.", ClusterCacheSettings.LOCK_TIMEOUT, "abc");
	}

	@Test
	void badPerKindDuration_failsNamingThePerKindKey() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.collection.max_idle': '10 minutes'. "
				+ "Expected a duration such as '15s' or 'PT15S'.", P + "collection.max_idle", "10 minutes");
	}

	@Test
	void zeroLockTimeout_failsAskingForPositiveDuration() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.lock_timeout': '0'. "
				+ "Expected a positive duration such as '30s'.", ClusterCacheSettings.LOCK_TIMEOUT, "0");
	}

	@Test
	void negativeInvalidationTimeout_failsAskingForPositiveDuration() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.invalidation_timeout': '-5s'. "
				+ "Expected a positive duration such as '30s'.", ClusterCacheSettings.INVALIDATION_TIMEOUT, "-5s");
	}

	@Test
	void negativeClockSkew_fails() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.timestamps.clock_skew': '-5ms'. "
				+ "Expected a duration of zero or more such as '50ms'.", ClusterCacheSettings.CLOCK_SKEW, "-5ms");
	}

	@Test
	void badLease_failsNamingKeyValueAndFormat() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.lease': 'soon'. "
				+ "Expected a duration such as '15s' or 'PT15S'.", ClusterCacheSettings.LEASE, "soon");
	}

	@Test
	void zeroLease_failsNamingTheValueAsWritten() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.lease': '0'. "
				+ "Expected a positive duration such as '3s'.", ClusterCacheSettings.LEASE, "0");
		assertFails("Invalid value for 'hibernate.cache.clustercache.lease': '-5s'. "
				+ "Expected a positive duration such as '3s'.", ClusterCacheSettings.LEASE, "-5s");
	}

	@Test
	void zeroLease_fails() {
		assertThatThrownBy(() -> SettingsParser.parse(config(ClusterCacheSettings.LEASE, "0")))
				.isInstanceOf(CacheException.class)
				.hasMessageStartingWith("Invalid value for 'hibernate.cache.clustercache.lease': ")
				.hasMessageEndingWith(". Expected a positive duration such as '3s'.");
	}

	@Test
	void unknownMode_failsListingAcceptedValues() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.mode': 'invalidate'. "
				+ "Expected one of 'invalidation', 'local', 'replicated', 'distributed'.",
				ClusterCacheSettings.MODE, "invalidate");
	}

	@Test
	void unknownPerKindMode_failsNamingThePerKindKey() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.naturalid.mode': 'none'. "
				+ "Expected one of 'invalidation', 'local', 'replicated', 'distributed'.",
				ClusterCacheSettings.NATURALID_MODE, "none");
	}

	@ParameterizedTest
	@CsvSource({"-5", "0", "lots", "1.5", "10k"})
	void badMaxEntries_failsAskingForAWholeNumberAboveZero(String value) {
		assertFails("Invalid value for 'hibernate.cache.clustercache.max_entries': '" + value + "'. "
				+ "Expected a whole number greater than zero such as '10000'.", ClusterCacheSettings.MAX_ENTRIES, value);
	}

	@Test
	void badPerKindMaxEntries_failsNamingThePerKindKey() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.entity.max_entries': '0'. "
				+ "Expected a whole number greater than zero such as '10000'.", P + "entity.max_entries", "0");
	}

	@Test
	void strictPartitionHandling_failsAsNotSupportedYet() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.partition_handling': 'strict'. This version of "
				+ "ClusterCache does not support strict partition handling yet. Remove the setting or use "
				+ "'available'.", ClusterCacheSettings.PARTITION_HANDLING, "strict");
	}

	@Test
	void unknownPartitionHandling_fails() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.partition_handling': 'majority'. "
				+ "Expected 'available' or 'strict'.", ClusterCacheSettings.PARTITION_HANDLING, "majority");
	}

	@Test
	void gridModes_globalAndPerKind_withOwnersAndL1() {
		Settings s = parse(ClusterCacheSettings.MODE, "replicated", ClusterCacheSettings.ENTITY_MODE, "distributed",
				ClusterCacheSettings.DISTRIBUTED_OWNERS, "3", ClusterCacheSettings.DISTRIBUTED_L1, "true");
		assertThat(s.region(RegionKind.ENTITY).mode()).isEqualTo(RegionMode.DISTRIBUTED);
		assertThat(s.region(RegionKind.COLLECTION).mode()).isEqualTo(RegionMode.REPLICATED);
		assertThat(s.region(RegionKind.QUERY).mode()).isEqualTo(RegionMode.LOCAL);
		assertThat(s.distributedOwners()).isEqualTo(3);
		assertThat(s.distributedL1()).isTrue();
		assertThat(s.clustered()).isTrue();
	}

	@Test
	void distributedDefaults_twoOwnersWithoutL1() {
		Settings s = parse(ClusterCacheSettings.MODE, "distributed");
		assertThat(s.distributedOwners()).isEqualTo(2);
		assertThat(s.distributedL1()).isFalse();
	}

	@Test
	void badOwners_failsAskingForAWholeNumber() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.distributed.owners': '0'. "
				+ "Expected a whole number greater than zero such as '10000'.", ClusterCacheSettings.DISTRIBUTED_OWNERS,
				"0");
	}

	@Test
	void badL1_failsAskingForABoolean() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.distributed.l1': 'yes'. "
				+ "Expected 'true' or 'false'.", ClusterCacheSettings.DISTRIBUTED_L1, "yes");
	}

	@Test
	void queryModeInvalidation_failsExplainingQueryResultsStayLocal() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.query.mode': 'invalidation'. Expected 'local': "
				+ "query results are cached per node and made cluster-safe by the update timestamps every node keeps.",
				ClusterCacheSettings.QUERY_MODE, "invalidation");
	}

	@Test
	void cacheManagerOfWrongType_failsNamingTheType() {
		assertFails("Invalid value for 'hibernate.cache.clustercache.cache_manager': an instance of java.lang.String. "
				+ "Expected an org.infinispan.manager.EmbeddedCacheManager object put into the settings map.",
				ClusterCacheSettings.CACHE_MANAGER, "java:/infinispan");
	}

	// ---- unknown keys and JGroups properties

	@Test
	void knownKeys_areNotReportedAsUnknown() {
		SettingsParser.Result r = SettingsParser.parse(config(ClusterCacheSettings.MAX_ENTRIES, "5",
				P + "entity.max_entries", "6", ClusterCacheSettings.CLOCK_SKEW, "1ms",
				ClusterCacheSettings.JGROUPS_STACK, "tcp", ClusterCacheSettings.NODE_NAME, "A"));

		assertThat(r.unknownKeys()).isEmpty();
		assertThat(SettingsParser.unknownKeysWarning(r.unknownKeys())).isNull();
	}

	@Test
	void unknownKeysUnderPrefix_areReportedInOneLineNamingEachKey() {
		SettingsParser.Result r = SettingsParser.parse(config(P + "max_entry", "5", P + "entity.maxIdle", "1m",
				P + "jgroups.bind_port", "7900", "hibernate.cache.use_query_cache", "true"));

		assertThat(r.unknownKeys()).containsExactly("hibernate.cache.clustercache.entity.maxIdle",
				"hibernate.cache.clustercache.max_entry");
		assertThat(SettingsParser.unknownKeysWarning(r.unknownKeys())).isEqualTo("Ignoring unknown ClusterCache "
				+ "settings 'hibernate.cache.clustercache.entity.maxIdle', 'hibernate.cache.clustercache.max_entry'. "
				+ "Check their spelling against the README's settings table, or remove them to silence this warning.")
				.doesNotContain("\n");
		// the misspelled keys did not change anything
		assertThat(r.settings().region(RegionKind.ENTITY).maxEntries()).isEqualTo(10_000);
	}

	@Test
	void jgroupsProperty_isHandedToTheStackWithoutOurPrefixAndIsNotUnknown() {
		SettingsParser.Result r = SettingsParser.parse(config(P + "jgroups.bind_port", " 7900 ",
				P + "jgroups.bind_addr", "127.0.0.1", ClusterCacheSettings.JGROUPS_STACK, "tcp"));

		assertThat(r.unknownKeys()).isEmpty();
		assertThat(r.settings().jgroupsProperties()).containsExactlyInAnyOrderEntriesOf(
				Map.of("jgroups.bind_port", "7900", "jgroups.bind_addr", "127.0.0.1"));
		assertThat(r.settings().jgroupsStack()).isEqualTo("tcp");
	}

	@Test
	void unknownKeysWarning_isNullWhenNothingIsUnknown() {
		assertThat(SettingsParser.unknownKeysWarning(Set.of())).isNull();
	}
}
