package dev.clustercache.bench;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.openjdk.jol.vm.VM;

/**
 * Where the objects that a hit reads lie in memory, beside the JMH suite. A hit on a region reads a map node, the
 * stored key and its identifier (the key comparison), the stored entry (Hibernate's {@code Item}, Infinispan's entry)
 * and the cache entry inside it. Objects more than a cache line or two apart cost one memory access each; where the
 * collector put them decides it, not the code, so two forks of the same code can differ by that.
 * <p>
 * Runs one provider's deployment as {@link CacheBenchmark} does (a JVM of 1 GB with the parallel collector), warms it,
 * and runs the workload on node A for a while, so that young collections promote the cached objects. Then it finds
 * every map of more than 1,000 entries reachable from each region of node A and prints, per map: the distinct 64-byte
 * lines that an entry's objects span, and the share of entries whose key lies within 256 bytes of its node, whose
 * identifier lies within 128 bytes of its key, whose stored entry lies within 256 bytes of its node, and whose cache
 * entry lies within 256 bytes of the stored entry. Addresses come from JOL; maps are read by reflection, hence the
 * {@code --add-opens}:
 * <pre>
 * java -Xms1g -Xmx1g -XX:+UseParallelGC -Djava.net.preferIPv4Stack=true \
 *     --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
 *     -cp integration-tests/target/benchmarks.jar dev.clustercache.bench.LayoutProbe clustercache-cluster
 * </pre>
 * Arguments: the provider, the workload ({@code findHit} or {@code collectionHit}, default {@code collectionHit}) and
 * its seconds (default 15). Not part of the suite: a diagnostic for BENCHMARKS.md.
 */
public final class LayoutProbe {

	private static final int LINE = 64;

	private LayoutProbe() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length < 1) {
			throw new IllegalArgumentException("Usage: LayoutProbe provider [findHit|collectionHit] [seconds]");
		}
		Provider provider = Provider.of(args[0]);
		boolean collections = !(args.length > 1 && args[1].equals("findHit"));
		String workload = collections ? "collectionHit" : "findHit";
		int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
		try (Deployment deployment = Deployment.start(provider, false)) {
			for (int i = 0; i < deployment.size(); i++) {
				BenchData.warmFor(deployment.node(i), workload);
			}
			SessionFactoryImplementor a = deployment.node(0);
			long end = System.nanoTime() + seconds * 1_000_000_000L;
			long operations = 0;
			while (System.nanoTime() - end < 0) {
				if (collections) {
					BenchData.publisherBooks(a, BenchData.randomPublisher());
				}
				else {
					BenchData.findBook(a, BenchData.randomBook());
				}
				operations++;
			}
			System.out.printf("%s, %s: %,d operations in %d s%n", provider.id(), workload, operations, seconds);
			for (String region : List.of(Book.class.getName(), Publisher.class.getName(),
					Publisher.class.getName() + ".books")) {
				Object r = a.getCache().getRegion(region);
				if (r != null) {
					for (ConcurrentHashMap<?, ?> map : largeMaps(r)) {
						System.out.println(describe(region.substring(Book.class.getPackageName().length() + 1), map));
					}
				}
			}
		}
	}

	/** Every ConcurrentHashMap of more than 1,000 entries reachable from {@code root} through a few fields. */
	private static List<ConcurrentHashMap<?, ?>> largeMaps(Object root) throws IllegalAccessException {
		List<ConcurrentHashMap<?, ?>> found = new ArrayList<>();
		Map<Object, Integer> depths = new IdentityHashMap<>();
		ArrayDeque<Object> queue = new ArrayDeque<>();
		queue.add(root);
		depths.put(root, 0);
		while (!queue.isEmpty()) {
			Object o = queue.poll();
			int depth = depths.get(o);
			if (o instanceof ConcurrentHashMap<?, ?> map) {
				if (map.size() > 1_000) {
					found.add(map);
				}
				continue;
			}
			if (depth >= 7 || o.getClass().isArray() || o instanceof Class || o instanceof String) {
				continue;
			}
			for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
				if (c.getName().startsWith("java.") && !c.getName().startsWith("java.util.concurrent.")) {
					break;
				}
				for (Field f : c.getDeclaredFields()) {
					if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive() || !f.trySetAccessible()) {
						continue;
					}
					Object v = f.get(o);
					// not into the session factory: every region is reachable from there
					if (v != null && !depths.containsKey(v) && !(v instanceof SessionFactoryImplementor)) {
						depths.put(v, depth + 1);
						queue.add(v);
					}
				}
			}
		}
		return found;
	}

	private static Object field(Object o, String name) throws IllegalAccessException {
		for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
			for (Field f : c.getDeclaredFields()) {
				if (f.getName().equals(name) && !Modifier.isStatic(f.getModifiers()) && f.trySetAccessible()) {
					return f.get(o);
				}
			}
		}
		return null;
	}

	private static boolean near(Object a, Object b, long bytes) {
		return a != null && b != null && Math.abs(VM.current().addressOf(a) - VM.current().addressOf(b)) < bytes;
	}

	private static String describe(String region, ConcurrentHashMap<?, ?> map) throws IllegalAccessException {
		int entries = 0;
		long lines = 0;
		int keyNearNode = 0;
		int idNearKey = 0;
		int storedNearNode = 0;
		int valueNearStored = 0;
		String types = "";
		for (Object bin : (Object[]) field(map, "table")) {
			for (Object node = bin; node != null; node = field(node, "next")) {
				Object key = field(node, "key");
				Object stored = field(node, "val");
				Object id = key instanceof BasicCacheKeyImplementation k ? k.getId() : null;
				Object value = field(stored, "value");
				types = stored.getClass().getSimpleName()
						+ (value == null ? "" : "/" + value.getClass().getSimpleName());
				Set<Long> touched = new HashSet<>();
				for (Object o : new Object[] {node, key, id, stored, value}) {
					if (o != null) {
						touched.add(VM.current().addressOf(o) / LINE);
					}
				}
				lines += touched.size();
				keyNearNode += near(key, node, 4 * LINE) ? 1 : 0;
				idNearKey += near(id, key, 2 * LINE) ? 1 : 0;
				storedNearNode += near(stored, node, 4 * LINE) ? 1 : 0;
				valueNearStored += near(value, stored, 4 * LINE) ? 1 : 0;
				entries++;
			}
		}
		double n = entries;
		return String.format("%-17s %-48s %,7d entries: %.2f lines each; near: key-node %.2f, id-key %.2f, "
				+ "stored-node %.2f, value-stored %.2f", region, types, entries, lines / n, keyNearNode / n,
				idNearKey / n, storedNearNode / n, valueNearStored / n);
	}
}
