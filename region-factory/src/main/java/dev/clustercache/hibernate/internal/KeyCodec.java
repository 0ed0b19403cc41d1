package dev.clustercache.hibernate.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Set;
import java.util.function.Supplier;

import org.hibernate.cache.CacheException;
import org.hibernate.cache.internal.BasicCacheKeyImplementation;

/**
 * Turns cache keys into bytes for invalidation messages and back. Only keys travel in invalidation mode (DESIGN.md
 * §4.6). The common shapes (a {@code Long}, {@code Integer} or {@code String}, and Hibernate's key of an entity or
 * collection with such an identifier) are written field by field: a few dozen bytes, no class descriptors, nothing to
 * resolve on reading. Any other key uses Java serialization, read behind an allow-list: basic Java value types,
 * Hibernate's cache key classes and the identifier and natural-id types of the mapped model. Any other class in a
 * message is refused before it is instantiated, and the refusal names the class.
 */
final class KeyCodec {

	private static final Set<String> JAVA_VALUE_PACKAGES = Set.of("java.lang.", "java.math.");
	/** Value types only, serialized through the package's own proxy class. */
	private static final String JAVA_TIME = "java.time.";
	private static final Set<String> JAVA_VALUE_CLASSES = Set.of("java.util.UUID", "java.util.Date",
			"java.sql.Date", "java.sql.Time", "java.sql.Timestamp", "java.util.Locale", "java.util.Currency");
	private static final String HIBERNATE_KEYS = "org.hibernate.cache.internal.";

	private final Supplier<Set<Class<?>>> modelTypes;
	private final ClassLoader classLoader;
	private volatile Set<Class<?>> allowedModelTypes;

	/**
	 * @param modelTypes the identifier and natural-id types of the mapped model, asked for on first use; null while the
	 * model is not built yet
	 * @param classLoader the application's class loader, where identifier classes live
	 */
	KeyCodec(Supplier<Set<Class<?>>> modelTypes, ClassLoader classLoader) {
		this.modelTypes = modelTypes;
		this.classLoader = classLoader;
	}

	/** How a key is written: the common shapes field by field, anything else with Java serialization. */
	private static final byte SERIALIZED = 0;
	private static final byte STRING = 1;
	private static final byte LONG = 2;
	private static final byte INTEGER = 3;
	/** Hibernate's key of an entity or collection whose identifier is one of the shapes above. */
	private static final byte BASIC_KEY = 4;
	/** Longer strings are serialized: {@link DataOutputStream#writeUTF} takes at most 65,535 bytes. */
	private static final int MAX_COMPACT_STRING = 16_000;

	static void write(DataOutputStream out, Object key) throws IOException {
		if (key instanceof BasicCacheKeyImplementation k && compact(k.getId())
				&& compact(k.getEntityOrRoleName())) {
			out.writeByte(BASIC_KEY);
			out.writeUTF(k.getEntityOrRoleName());
			out.writeInt(k.hashCode());
			writeCompact(out, k.getId());
		}
		else if (compact(key)) {
			writeCompact(out, key);
		}
		else {
			ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
			try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
				oos.writeObject(key);
			}
			out.writeByte(SERIALIZED);
			out.writeInt(bytes.size());
			bytes.writeTo(out);
		}
	}

	private static boolean compact(Object value) {
		return value instanceof Long || value instanceof Integer
				|| value instanceof String s && s.length() <= MAX_COMPACT_STRING;
	}

	private static void writeCompact(DataOutputStream out, Object value) throws IOException {
		if (value instanceof Long l) {
			out.writeByte(LONG);
			out.writeLong(l);
		}
		else if (value instanceof Integer i) {
			out.writeByte(INTEGER);
			out.writeInt(i);
		}
		else {
			out.writeByte(STRING);
			out.writeUTF((String) value);
		}
	}

	Object read(DataInputStream in) throws IOException {
		byte shape = in.readByte();
		switch (shape) {
			case STRING:
				return in.readUTF();
			case LONG:
				return in.readLong();
			case INTEGER:
				return in.readInt();
			case BASIC_KEY: {
				String entityOrRoleName = in.readUTF();
				int hashCode = in.readInt();
				Object id = read(in);
				return new BasicCacheKeyImplementation((java.io.Serializable) id, entityOrRoleName, hashCode);
			}
			case SERIALIZED:
				break;
			default:
				throw new CacheException("A cache key from another node has an unknown encoding (" + shape + "). Run "
						+ "the same ClusterCache version on every node.");
		}
		byte[] bytes = new byte[in.readInt()];
		in.readFully(bytes);
		try {
			return deserialize(bytes, 0, bytes.length, classLoader, this::allowed);
		}
		catch (RefusedClassException e) {
			String what = e.refused != null ? "class '" + e.refused.getName() + "'" : "a key too large or too deep";
			throw new CacheException("Refused a cache key from another node: it contains " + what
					+ ". Only basic Java types, Hibernate's cache keys and the identifier and natural-id types of "
					+ "mapped entities may travel between nodes.", e);
		}
		catch (ClassNotFoundException e) {
			throw new CacheException("A cache key from another node names a class that is not on this node's "
					+ "classpath: '" + e.getMessage() + "'. Run the same application version on every node.", e);
		}
	}

	/** A payload refused by the allow-list before anything in it was instantiated. */
	static final class RefusedClassException extends java.io.InvalidClassException {
		private static final long serialVersionUID = 1L;
		/** The first class refused, or null when the payload was refused for its size or depth. */
		final transient Class<?> refused;

		RefusedClassException(Class<?> refused, java.io.InvalidClassException cause) {
			super(refused == null ? "payload too large or too deep" : refused.getName(),
					"refused by ClusterCache's allow-list");
			this.refused = refused;
			initCause(cause);
		}
	}

	/**
	 * Java deserialization behind an allow-list: every class in the payload is checked before it is instantiated.
	 *
	 * @throws RefusedClassException naming the first class refused
	 */
	static Object deserialize(byte[] bytes, int offset, int length, ClassLoader classLoader,
			java.util.function.Predicate<Class<?>> allowed) throws IOException, ClassNotFoundException {
		Class<?>[] refused = new Class<?>[1];
		try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bytes, offset, length)) {
			@Override
			protected Class<?> resolveClass(java.io.ObjectStreamClass desc) throws IOException,
					ClassNotFoundException {
				try {
					return Class.forName(desc.getName(), false, classLoader);
				}
				catch (ClassNotFoundException e) {
					return super.resolveClass(desc);
				}
			}
		}) {
			ois.setObjectInputFilter(info -> {
				ObjectInputFilter.Status status = check(info, allowed);
				if (status == ObjectInputFilter.Status.REJECTED && refused[0] == null) {
					refused[0] = info.serialClass();
				}
				return status;
			});
			return ois.readObject();
		}
		catch (RefusedClassException e) {
			throw e;
		}
		catch (InvalidClassException e) {
			throw new RefusedClassException(refused[0], e);
		}
	}

	private static ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info,
			java.util.function.Predicate<Class<?>> allowed) {
		Class<?> c = info.serialClass();
		if (info.depth() > 20 || info.references() > 10_000 || info.arrayLength() > 100_000) {
			return ObjectInputFilter.Status.REJECTED;
		}
		if (c == null) {
			return ObjectInputFilter.Status.UNDECIDED;
		}
		while (c.isArray()) {
			c = c.getComponentType();
		}
		if (c.isPrimitive() || allowed.test(c)) {
			return ObjectInputFilter.Status.ALLOWED;
		}
		return ObjectInputFilter.Status.REJECTED;
	}

	/** Basic Java value types, Hibernate's cache keys and the model's identifier and natural-id types. */
	boolean allowed(Class<?> c) {
		String name = c.getName();
		if (name.startsWith(HIBERNATE_KEYS) || JAVA_VALUE_CLASSES.contains(name)
				|| (name.startsWith(JAVA_TIME) && name.indexOf('.', JAVA_TIME.length()) < 0)) {
			return true;
		}
		for (String p : JAVA_VALUE_PACKAGES) {
			if (name.startsWith(p) && name.indexOf('.', p.length()) < 0) {
				return Comparable.class.isAssignableFrom(c) || c == Object.class || c == Number.class
						|| c == Enum.class || Record.class == c;
			}
		}
		Set<Class<?>> model = allowedModelTypes;
		if (model == null) {
			Set<Class<?>> known = modelTypes.get();
			if (known == null) {
				return false; // the model is not built yet: ask again next time
			}
			model = Set.copyOf(known);
			allowedModelTypes = model;
		}
		return model.contains(c) || (c.isEnum() && model.contains(c)) || isNestedInModel(c, model);
	}

	private static boolean isNestedInModel(Class<?> c, Set<Class<?>> model) {
		Class<?> enclosing = c.getEnclosingClass();
		return c.isEnum() && enclosing != null && model.contains(enclosing);
	}
}
