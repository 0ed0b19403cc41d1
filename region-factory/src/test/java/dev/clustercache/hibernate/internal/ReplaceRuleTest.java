package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.util.Comparator;

import org.hibernate.cache.spi.entry.CacheEntry;
import org.junit.jupiter.api.Test;

class ReplaceRuleTest {

	private static final ReplaceRule UNVERSIONED = new ReplaceRule(false, null, false, null);

	private static ReplaceRule versioned(long version) {
		return new ReplaceRule(false, version, true, () -> Comparator.comparing(v -> (Long) v));
	}

	@Test
	void anEmptySlotIsAlwaysImproved() {
		assertThat(UNVERSIONED.improves(null)).isTrue();
		assertThat(versioned(3).improves(null)).isTrue();
		assertThat(ReplaceRule.ONLY_IF_ABSENT.improves(null)).isTrue();
	}

	@Test
	void aCachedStateOfAnUnversionedEntity_isNotImprovedByALoad() {
		assertThat(UNVERSIONED.improves("cached")).isFalse();
		assertThat(ReplaceRule.ONLY_IF_ABSENT.improves("cached")).isFalse();
	}

	@Test
	void aCachedVersion_isImprovedOnlyByANewerOne() {
		assertThat(versioned(3).improves(entry(2L))).isTrue();
		assertThat(versioned(3).improves(entry(3L))).isFalse();
		assertThat(versioned(3).improves(entry(4L))).isFalse();
	}

	private static CacheEntry entry(Long version) {
		return new CacheEntry() {
			@Override
			public boolean isReferenceEntry() {
				return false;
			}

			@Override
			public String getSubclass() {
				return "Item";
			}

			@Override
			public Object getVersion() {
				return version;
			}

			@Override
			public Serializable[] getDisassembledState() {
				return new Serializable[0];
			}
		};
	}
}
