package dev.clustercache.hibernate.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.hibernate.cache.CacheException;
import org.infinispan.commons.dataconversion.MediaType;
import org.infinispan.commons.io.ByteBuffer;
import org.infinispan.commons.io.ByteBufferImpl;
import org.infinispan.commons.marshall.AbstractMarshaller;
import org.jboss.logging.Logger;

/**
 * The marshaller of the cache manager when some region is replicated or distributed (DESIGN.md §4.6): those regions send
 * Hibernate's cache entries between nodes. Writing is Java serialization; reading instantiates nothing outside an
 * allow-list: what {@link KeyCodec} allows for keys (basic Java value types, Hibernate's cache keys, the model's
 * identifier and natural-id types), Hibernate's cache entry classes, the collections inside them, the mapped
 * attribute types of the model and ClusterCache's own {@link GridEntry} and {@link GridFunctions}. A payload with any
 * other class is refused before that class is instantiated, and the refusal is logged once per class with its name.
 */
final class GridMarshaller extends AbstractMarshaller {

	private static final Logger LOG = Logger.getLogger("dev.clustercache.hibernate.cluster");

	/** Collections that Hibernate's cache entries and ClusterCache's records hold. */
	private static final Set<String> JAVA_COLLECTIONS = Set.of("java.util.ArrayList", "java.util.LinkedList",
			"java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.HashSet",
			"java.util.LinkedHashSet", "java.util.TreeSet", "java.util.ImmutableCollections$MapN",
			"java.util.ImmutableCollections$Map1", "java.util.ImmutableCollections$SetN",
			"java.util.ImmutableCollections$Set12", "java.util.ImmutableCollections$ListN",
			"java.util.ImmutableCollections$List12", "java.util.CollSer", "java.util.Collections$EmptyMap",
			"java.util.Collections$EmptyList", "java.util.Collections$EmptySet");
	private static final String HIBERNATE_CACHE = "org.hibernate.cache.";
	/** The marker Hibernate stores for a lazy attribute that was not fetched. */
	private static final String HIBERNATE_UNFETCHED = "org.hibernate.bytecode.enhance.spi.LazyPropertyInitializer";
	private static final String OURS = GridEntry.class.getName();

	private final KeyCodec keys;
	private final Supplier<Set<Class<?>>> valueTypes;
	private final ClassLoader classLoader;
	private final String nodeName;
	private volatile Set<Class<?>> allowedValueTypes;
	private final Set<String> refusedLogged = ConcurrentHashMap.newKeySet();

	/**
	 * @param valueTypes the attribute types of the mapped model, asked for on first use; null while the model is not
	 * built yet
	 */
	GridMarshaller(KeyCodec keys, Supplier<Set<Class<?>>> valueTypes, ClassLoader classLoader, String nodeName) {
		this.keys = keys;
		this.valueTypes = valueTypes;
		this.classLoader = classLoader;
		this.nodeName = nodeName == null ? "this node" : nodeName;
	}

	@Override
	protected ByteBuffer objectToBuffer(Object o, int estimatedSize) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(estimatedSize, 64));
		try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
			out.writeObject(o);
		}
		return ByteBufferImpl.create(bytes.toByteArray());
	}

	@Override
	public Object objectFromByteBuffer(byte[] buf, int offset, int length) throws IOException, ClassNotFoundException {
		try {
			return KeyCodec.deserialize(buf, offset, length, classLoader, this::allowed);
		}
		catch (KeyCodec.RefusedClassException e) {
			String what = e.refused == null ? "a payload too large or too deep" : e.refused.getName();
			if (refusedLogged.add(what)) {
				LOG.warnf("%s: refused a cache entry from another node: it contains '%s', which is not in "
						+ "ClusterCache's allow-list (basic Java types, Hibernate's cache entries and keys, the types "
						+ "of the mapped model). Nothing of it was instantiated. If a node sends it on purpose, run the "
						+ "same application version on every node; otherwise check who can reach the cluster's ports "
						+ "(and consider security=encrypt,auth).", nodeName, what);
			}
			throw new CacheException("Refused a cache entry from another node: it contains '" + what
					+ "', which is not in ClusterCache's allow-list.", e);
		}
	}

	private boolean allowed(Class<?> c) {
		String name = c.getName();
		if (name.startsWith(OURS) || name.startsWith(GridFunctions.class.getName())
				|| c == ReplaceRule.class || c == java.io.Serializable.class || name.startsWith(HIBERNATE_CACHE)
				|| name.startsWith(HIBERNATE_UNFETCHED) || JAVA_COLLECTIONS.contains(name) || keys.allowed(c)) {
			return true;
		}
		Set<Class<?>> model = allowedValueTypes;
		if (model == null) {
			Set<Class<?>> known = valueTypes.get();
			if (known == null) {
				return false;
			}
			model = Set.copyOf(known);
			allowedValueTypes = model;
		}
		return model.contains(c);
	}

	@Override
	public boolean isMarshallable(Object o) {
		return o instanceof Serializable;
	}

	@Override
	public MediaType mediaType() {
		return MediaType.APPLICATION_SERIALIZED_OBJECT;
	}

	/** Whether {@code value} can be written; otherwise the class that cannot, from its serialization failure. */
	static String unmarshallableClass(Object value) {
		try (ObjectOutputStream out = new ObjectOutputStream(OutputStream.nullOutputStream())) {
			out.writeObject(value);
			return null;
		}
		catch (java.io.NotSerializableException e) {
			return e.getMessage();
		}
		catch (IOException | RuntimeException e) {
			return value.getClass().getName() + " (" + e + ")";
		}
	}
}
