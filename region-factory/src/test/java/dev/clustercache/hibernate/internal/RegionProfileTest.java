package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.RegionMode;

/** How nodes compare the way they keep their regions: the fingerprint a heartbeat carries, and the full comparison. */
class RegionProfileTest {

	private static final String INVALIDATION = RegionProfile.protocol(RegionMode.INVALIDATION, false);
	private static final String NEAR = RegionProfile.protocol(RegionMode.DISTRIBUTED, true);
	private static final String NO_NEAR = RegionProfile.protocol(RegionMode.DISTRIBUTED, false);

	@Test
	void sameRegionsDeclaredInAnotherOrder_haveTheSameFingerprint() {
		RegionProfile one = RegionProfile.EMPTY.with("d:Book", INVALIDATION).with("d:Book.authors", NEAR);
		RegionProfile other = RegionProfile.EMPTY.with("d:Book.authors", NEAR).with("d:Book", INVALIDATION);

		assertThat(one.fingerprint).isEqualTo(other.fingerprint);
		assertThat(one.fingerprint).isNotEqualTo(RegionProfile.EMPTY.with("d:Book", INVALIDATION).fingerprint);
		assertThat(one.fingerprint)
				.isNotEqualTo(RegionProfile.EMPTY.with("d:Book", INVALIDATION).with("d:Book.authors", NO_NEAR)
						.fingerprint);
		// the separator keeps a name and a mode from running into each other
		assertThat(RegionProfile.EMPTY.with("d:ab", "c").fingerprint)
				.isNotEqualTo(RegionProfile.EMPTY.with("d:a", "bc").fingerprint);
	}

	@Test
	void protocolsAreFixedTokens_wordedOnlyWhenShown() {
		assertThat(NEAR).isEqualTo("distributed+near");
		assertThat(NO_NEAR).isEqualTo("distributed");
		assertThat(RegionProfile.protocol(RegionMode.REPLICATED, false)).isEqualTo("replicated");
		assertThat(RegionProfile.EMPTY.with("d:Book", RegionProfile.protocol(RegionMode.REPLICATED, false))
				.disagreement(RegionProfile.EMPTY.with("d:Book", INVALIDATION), "A", "B"))
				.isEqualTo("region 'Book' is in 'replicated' mode on 'A' but in 'invalidation' mode on 'B'");
	}

	@Test
	void regionsThatOnlyOneNodeHas_doNotDisagree() {
		RegionProfile a = RegionProfile.EMPTY.with("d:Book", INVALIDATION).with("d:Author", INVALIDATION);
		RegionProfile b = RegionProfile.EMPTY.with("d:Book", INVALIDATION).with("d:Review", NEAR);

		assertThat(a.disagreement(b, "A", "B")).isNull();
		assertThat(a.disagreement(RegionProfile.EMPTY, "A", "B")).isNull();
	}

	@Test
	void regionKeptDifferently_isNamedWithHowEachNodeKeepsIt() {
		RegionProfile a = RegionProfile.EMPTY.with("d:Book", NEAR).with("d:Author", INVALIDATION);
		RegionProfile b = RegionProfile.EMPTY.with("d:Book", NO_NEAR).with("d:Author", INVALIDATION);

		assertThat(a.disagreement(b, "A", "B")).isEqualTo("region 'Book' is in 'distributed' mode with a near cache "
				+ "on 'A' but in 'distributed' mode without a near cache on 'B'");
	}

	@Test
	void manyRegionsKeptDifferently_nameFiveAndCountTheRest() {
		RegionProfile a = RegionProfile.EMPTY;
		RegionProfile b = RegionProfile.EMPTY;
		for (int i = 0; i < 8; i++) {
			a = a.with("d:R" + i, INVALIDATION);
			b = b.with("d:R" + i, RegionProfile.protocol(RegionMode.LOCAL, false));
		}

		String why = a.disagreement(b, "A", "B");

		assertThat(why).startsWith("region 'R0' is in 'invalidation' mode on 'A' but in 'local' mode on 'B'; ")
				.contains("region 'R4'").doesNotContain("region 'R5'").endsWith("; and 3 more region(s)");
	}

	@Test
	void profileSentAndRead_isTheSame_andADamagedOneIsRefused() throws IOException {
		RegionProfile a = RegionProfile.EMPTY.with("d:Book", NEAR).with("d:Author", INVALIDATION);
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		a.write(new DataOutputStream(bytes));

		RegionProfile read = RegionProfile.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
		assertThat(read.fingerprint).isEqualTo(a.fingerprint);
		assertThat(read.disagreement(a, "A", "B")).isNull();
		assertThat(read).hasToString(a.toString());

		byte[] damaged = bytes.toByteArray();
		damaged[damaged.length - 1] ^= 1; // the last character of the last mode
		assertThatThrownBy(() -> RegionProfile.read(new DataInputStream(new ByteArrayInputStream(damaged))))
				.isInstanceOf(IOException.class).hasMessageStartingWith("A region profile arrived damaged");
	}
}
