package dev.clustercache.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.clustercache.sample.StaleReadDetector.Membership;
import dev.clustercache.sample.StaleReadDetector.Observation;

/**
 * The detector is driven with explicit times of a fake monotonic clock (one unit = one nanosecond), so each test
 * lays out exactly which operations overlap.
 */
class StaleReadDetectorTest {

	private final StaleReadDetector detector = new StaleReadDetector();

	private static Observation product(long id, long version, String price, long category) {
		return new Observation(id, version, new BigDecimal(price), category);
	}

	private void update(long id, long version, String price, long category, long sentAt, long answeredAt) {
		detector.writeSent(id, sentAt, false);
		detector.updateCommitted(product(id, version, price, category), answeredAt);
	}

	private static Membership category(long c) {
		return (categoryId, price) -> categoryId == c;
	}

	private static Membership priceBelow(String limit) {
		return (categoryId, price) -> price.compareTo(new BigDecimal(limit)) < 0;
	}

	@Test
	void readStartedAfterAcknowledgedUpdate_returningOlderVersion_isStale() {
		update(1, 5, "10.00", 1, 100, 200);

		assertThat(detector.checkRead("read-by-id", "B", 1, product(1, 4, "9.00", 1), 201, 300)).isTrue();
		assertThat(detector.staleReads()).isEqualTo(1);
		assertThat(detector.samples().get(0).detail()).contains("read at version 4, but version 5 was acknowledged");
		assertThat(detector.samples().get(0).node()).isEqualTo("B");
	}

	@Test
	void readStartedBeforeTheAcknowledgementArrived_returningOlderVersion_isNotStale() {
		update(1, 5, "10.00", 1, 100, 200);

		// started while the update was in flight: either version is a correct answer
		assertThat(detector.checkRead("read-by-id", "B", 1, product(1, 4, "9.00", 1), 150, 300)).isFalse();
		// started at the very instant the answer arrived: not after it
		assertThat(detector.checkRead("read-by-id", "B", 1, product(1, 4, "9.00", 1), 200, 300)).isFalse();
		assertThat(detector.staleReads()).isZero();
	}

	@Test
	void readReturningTheAcknowledgedOrANewerVersion_isNotStale() {
		update(1, 5, "10.00", 1, 100, 200);

		assertThat(detector.checkRead("read-by-id", "B", 1, product(1, 5, "10.00", 1), 300, 400)).isFalse();
		assertThat(detector.checkRead("read-by-id", "B", 1, product(1, 6, "11.00", 1), 300, 400)).isFalse();
	}

	@Test
	void answersArrivingOutOfOrder_theHighestVersionAcknowledgedBeforeTheReadCounts() {
		detector.writeSent(1, 100, false);
		detector.writeSent(1, 110, false);
		detector.updateCommitted(product(1, 7, "12.00", 1), 200); // the later write answered first
		detector.updateCommitted(product(1, 6, "11.00", 1), 250);

		assertThat(detector.checkRead("read-by-id", "A", 1, product(1, 6, "11.00", 1), 210, 300)).isTrue();
		assertThat(detector.checkRead("read-by-id", "A", 1, product(1, 7, "12.00", 1), 210, 300)).isFalse();
	}

	@Test
	void rowsTheClientNeverWrote_areNotJudged() {
		assertThat(detector.checkRead("read-by-id", "A", 99, product(99, 0, "1.00", 1), 10, 20)).isFalse();
		assertThat(detector.checkRead("read-by-id", "A", 99, null, 10, 20)).isFalse();
	}

	@Test
	void readOfARowWhoseDeleteWasAcknowledged_isStale() {
		update(1, 3, "10.00", 1, 100, 200);
		detector.writeSent(1, 300, true);
		detector.deleteCommitted(1, 400);

		assertThat(detector.checkRead("read-by-id", "C", 1, product(1, 3, "10.00", 1), 401, 500)).isTrue();
		assertThat(detector.samples().get(0).detail()).contains("its delete was acknowledged");
		assertThat(detector.checkRead("read-by-id", "C", 1, null, 401, 500)).isFalse();
	}

	@Test
	void notFound_afterTheInsertWasAcknowledged_isStale() {
		detector.insertCommitted("LOAD-1", product(2000, 0, "5.00", 3), 100, 200);

		assertThat(detector.checkRead("read-by-id", "A", 2000, null, 201, 300)).isTrue();
		assertThat(detector.checkSkuRead("read-by-sku", "B", "LOAD-1", null, 201, 300)).isTrue();
		assertThat(detector.samples().get(1).detail()).startsWith("SKU 'LOAD-1': product 2000 not found");
	}

	@Test
	void notFound_whileADeleteWasSent_isNotStale() {
		detector.insertCommitted("LOAD-1", product(2000, 0, "5.00", 3), 100, 200);
		detector.writeSent(2000, 250, true);

		assertThat(detector.checkRead("read-by-id", "A", 2000, null, 240, 300)).isFalse();
	}

	@Test
	void readBySku_isJudgedOnTheRowItNames() {
		detector.knowSku("SKU-00001", 1);
		update(1, 2, "10.00", 1, 100, 200);

		assertThat(detector.checkSkuRead("read-by-sku", "A", "SKU-00001", product(1, 1, "9.00", 1), 300, 400))
				.isTrue();
		assertThat(detector.checkSkuRead("read-by-sku", "A", "SKU-00001", null, 300, 400)).isTrue();
	}

	@Test
	void listing_withAnOlderVersionOfAListedRow_isStale() {
		update(1, 2, "10.00", 1, 100, 200);

		assertThat(detector.checkListing("category-products", "A", List.of(product(1, 1, "9.00", 1)), category(1),
				300, 400)).isTrue();
	}

	@Test
	void listing_missingARowKnownToBelong_isStale() {
		detector.insertCommitted("LOAD-1", product(2000, 0, "5.00", 3), 100, 200);

		assertThat(detector.checkListing("category-products", "A", List.of(), category(3), 300, 400)).isTrue();
		assertThat(detector.samples().get(0).detail()).contains("product 2000 is missing");
		assertThat(detector.checkListing("category-products", "A", List.of(), category(4), 300, 400)).isFalse();
	}

	@Test
	void query_listingARowWhosePriceAnAcknowledgedUpdateMovedOut_isStale() {
		update(1, 2, "4.00", 1, 100, 200);
		update(1, 3, "50.00", 1, 300, 400);

		// the listed row claims the new version, yet a price of 50.00 is not below 10.00
		assertThat(detector.checkListing("query-under-price", "B", List.of(product(1, 3, "50.00", 1)),
				priceBelow("10.00"), 500, 600)).isTrue();
		assertThat(detector.samples().get(0).detail()).contains("does not belong to this listing");
	}

	@Test
	void query_missingARowWhosePriceAnAcknowledgedUpdateMovedIn_isStale() {
		update(1, 2, "50.00", 1, 100, 200);
		update(1, 3, "4.00", 1, 300, 400);

		assertThat(detector.checkListing("query-under-price", "B", List.of(), priceBelow("10.00"), 500, 600))
				.isTrue();
	}

	@Test
	void listing_isNotJudgedOnRowsWrittenDuringTheRead() {
		update(1, 2, "4.00", 1, 100, 200);
		detector.writeSent(1, 550, false); // sent while the listing ran, not answered yet

		assertThat(detector.checkListing("query-under-price", "B", List.of(), priceBelow("10.00"), 500, 600))
				.isFalse();
	}

	@Test
	void listing_isNotJudgedOnRowsWhoseLastWriteWasAnsweredAfterTheReadStarted() {
		detector.writeSent(1, 100, false);
		detector.updateCommitted(product(1, 2, "4.00", 1), 550);

		assertThat(detector.checkListing("query-under-price", "B", List.of(), priceBelow("10.00"), 500, 600))
				.isFalse();
	}

	@Test
	void writeWithAnUnknownOutcome_makesTheRowUnknownForListings() {
		update(1, 2, "4.00", 1, 100, 200);
		detector.writeSent(1, 300, false);
		detector.writeFailed(1, 350);

		assertThat(detector.checkListing("query-under-price", "B", List.of(), priceBelow("10.00"), 500, 600))
				.isFalse();
	}

	@Test
	void rejectedWrite_changesNothing() {
		update(1, 2, "4.00", 1, 100, 200);
		detector.writeSent(1, 300, false);
		detector.writeRejected(1, 350); // lost an optimistic-locking race

		assertThat(detector.checkListing("query-under-price", "B", List.of(), priceBelow("10.00"), 500, 600))
				.isTrue();
	}

	@Test
	void listing_detail_namesTheFirstTwoRowsAndCountsTheRest() {
		for (long id = 1; id <= 5; id++) {
			update(id, 2, "4.00", 1, 100, 200);
		}

		detector.checkListing("category-products", "A", List.of(), category(1), 300, 400);

		assertThat(detector.staleReads()).isEqualTo(1);
		assertThat(detector.samples().get(0).detail()).contains("product 1 is missing").contains("product 2 is missing")
				.endsWith("; and 3 more rows");
	}

	@Test
	void samples_keepTheFirstTwenty_countKeepsCounting() {
		update(1, 2, "4.00", 1, 100, 200);
		for (int i = 0; i < 25; i++) {
			detector.checkRead("read-by-id", "A", 1, product(1, 1, "3.00", 1), 300 + i, 400 + i);
		}

		assertThat(detector.staleReads()).isEqualTo(25);
		assertThat(detector.checkedReads()).isEqualTo(25);
		assertThat(detector.samples()).hasSize(20);
	}
}
