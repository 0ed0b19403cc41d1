package dev.clustercache.hibernate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.hibernate.cache.CacheException;
import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cache keys travel between nodes; only allowed classes may be instantiated from a message (DESIGN.md §4.6). */
class KeyCodecTest {

	private final AtomicInteger supplierCalls = new AtomicInteger();
	private final KeyCodec codec = new KeyCodec(() -> {
		supplierCalls.incrementAndGet();
		return Set.of(OrderId.class, Status.class);
	}, KeyCodecTest.class.getClassLoader());

	@BeforeEach
	void resetEvil() {
		Evil.instantiated = false;
	}

	private Object roundTrip(Object key) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			KeyCodec.write(out, key);
			out.writeUTF("trailer"); // the codec must consume exactly its own bytes
		}
		DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
		Object read = codec.read(in);
		assertThat(in.readUTF()).isEqualTo("trailer");
		return read;
	}

	@Test
	void hibernateCacheKey_roundTrips() throws IOException {
		BasicCacheKeyImplementation key = new BasicCacheKeyImplementation(42L, "dev.example.Item", 42);

		Object read = roundTrip(key);

		assertThat(read).isInstanceOf(BasicCacheKeyImplementation.class).isEqualTo(key).isNotSameAs(key);
		assertThat(((BasicCacheKeyImplementation) read).getId()).isEqualTo(42L);
		assertThat(((BasicCacheKeyImplementation) read).getEntityOrRoleName()).isEqualTo("dev.example.Item");
	}

	@Test
	void hibernateKeyWithALongId_isWrittenFieldByField_inFewBytes() throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			KeyCodec.write(out, new BasicCacheKeyImplementation(42L, "dev.example.Item", 42));
		}
		// tag, name, hash code, id: Java serialization takes about 200 bytes
		assertThat(bytes.size()).isEqualTo(1 + 2 + "dev.example.Item".length() + 4 + 1 + 8);
	}

	@Test
	void hibernateKeyWithAnIdOfAnotherType_roundTripsThroughSerialization() throws IOException {
		UUID uuid = UUID.randomUUID();
		BasicCacheKeyImplementation key = new BasicCacheKeyImplementation(uuid, "dev.example.Item", uuid.hashCode());

		assertThat(roundTrip(key)).isEqualTo(key);
		assertThat(roundTrip(new BasicCacheKeyImplementation(7, "dev.example.Item", 7))).isEqualTo(
				new BasicCacheKeyImplementation(7, "dev.example.Item", 7));
		assertThat(roundTrip("x".repeat(20_000))).isEqualTo("x".repeat(20_000));
	}

	@Test
	void basicIdTypes_roundTrip() throws IOException {
		UUID uuid = UUID.randomUUID();

		assertThat(roundTrip(7L)).isEqualTo(7L);
		assertThat(roundTrip(7)).isEqualTo(7);
		assertThat(roundTrip("sku-1")).isEqualTo("sku-1");
		assertThat(roundTrip(uuid)).isEqualTo(uuid);
		assertThat(roundTrip(new BigDecimal("12.50"))).isEqualTo(new BigDecimal("12.50"));
		assertThat(roundTrip(BigInteger.TEN.pow(30))).isEqualTo(BigInteger.TEN.pow(30));
	}

	@Test
	void arraysOfAllowedTypes_roundTrip() throws IOException {
		assertThat((Object[]) roundTrip(new Object[] {1L, "a", UUID.fromString("00000000-0000-0000-0000-000000000001")}))
				.containsExactly(1L, "a", UUID.fromString("00000000-0000-0000-0000-000000000001"));
		assertThat((long[]) roundTrip(new long[] {1, 2, 3})).containsExactly(1, 2, 3);
		assertThat((String[]) roundTrip(new String[] {"x", "y"})).containsExactly("x", "y");
	}

	@Test
	void hibernateKeyWithAModelId_roundTrips() throws IOException {
		BasicCacheKeyImplementation key = new BasicCacheKeyImplementation(new OrderId("EU", 7), "dev.example.Order", 1);

		Object read = roundTrip(key);

		assertThat(((BasicCacheKeyImplementation) read).getId()).isEqualTo(new OrderId("EU", 7));
	}

	@Test
	void modelTypesFromTheSupplier_areAllowed_andAskedForOnceOnFirstUse() throws IOException {
		assertThat(supplierCalls).as("not asked for at construction").hasValue(0);

		assertThat(roundTrip(new OrderId("EU", 7))).isEqualTo(new OrderId("EU", 7));
		assertThat(roundTrip(Status.OPEN)).isSameAs(Status.OPEN);
		assertThat(roundTrip(new OrderId("US", 8))).isEqualTo(new OrderId("US", 8));

		assertThat(supplierCalls).hasValue(1);
	}

	@Test
	void classOutsideTheAllowList_isRefusedBeforeItIsInstantiated() throws IOException {
		byte[] message = serialize(new Evil());

		assertThatThrownBy(() -> codec.read(new DataInputStream(new ByteArrayInputStream(message))))
				.isInstanceOf(CacheException.class)
				.hasMessage("Refused a cache key from another node: it contains class '" + Evil.class.getName()
						+ "'. Only basic Java types, Hibernate's cache keys and the identifier and natural-id types "
						+ "of mapped entities may travel between nodes.");
		assertThat(Evil.instantiated).as("Evil.readObject ran").isFalse();
	}

	@Test
	void classOutsideTheAllowList_insideAnAllowedKey_isRefusedBeforeItIsInstantiated() throws IOException {
		byte[] message = serialize(new BasicCacheKeyImplementation(new Evil(), "dev.example.Item", 1));

		assertThatThrownBy(() -> codec.read(new DataInputStream(new ByteArrayInputStream(message))))
				.isInstanceOf(CacheException.class)
				.hasMessageStartingWith("Refused a cache key from another node: ");
		assertThat(Evil.instantiated).isFalse();
	}

	@Test
	void javaCollections_areRefused() throws IOException {
		HashMap<String, Long> map = new HashMap<>();
		map.put("id", 1L);
		byte[] message = serialize(map);

		assertThatThrownBy(() -> codec.read(new DataInputStream(new ByteArrayInputStream(message))))
				.isInstanceOf(CacheException.class)
				.hasMessageStartingWith("Refused a cache key from another node: ");
	}

	@Test
	void arrayOfARefusedClass_isRefused() throws IOException {
		byte[] message = serialize(new Evil[] {new Evil()});

		assertThatThrownBy(() -> codec.read(new DataInputStream(new ByteArrayInputStream(message))))
				.isInstanceOf(CacheException.class);
		assertThat(Evil.instantiated).isFalse();
	}

	@Test
	void refusal_namesTheRefusedClass() throws IOException {
		byte[] message = serialize(new HashMap<>());

		assertThatThrownBy(() -> codec.read(new DataInputStream(new ByteArrayInputStream(message))))
				.isInstanceOf(CacheException.class)
				.hasMessageContaining("java.util.HashMap");
	}

	@Test
	void javaTimeIds_roundTrip() throws IOException {
		assertThat(roundTrip(LocalDate.of(2024, 2, 29))).isEqualTo(LocalDate.of(2024, 2, 29));
	}

	/** What another node (or an attacker on the network) sends: one key in the codec's framing. */
	private static byte[] serialize(Object key) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			KeyCodec.write(out, key);
		}
		return bytes.toByteArray();
	}

	/** A class that is serializable but not part of the mapped model: reading it must never run its code. */
	static final class Evil implements Serializable {
		private static final long serialVersionUID = 1L;
		static volatile boolean instantiated;

		private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
			instantiated = true;
			in.defaultReadObject();
		}
	}

	/** An identifier type of the mapped model, as the supplier reports it. */
	record OrderId(String region, long number) implements Serializable {
	}

	/** An enum of the mapped model, used as a natural id part. */
	enum Status {
		OPEN, CLOSED
	}
}
