package dev.clustercache.hibernate.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/** What ClusterCache needs to know about the types inside cache keys. */
final class KeyTypes {

	private KeyTypes() {
	}

	/**
	 * Whether Hibernate's hash of a value of this type can differ between JVMs: enums and {@code Currency} hash by
	 * identity; an embeddable is looked into, a few levels deep.
	 */
	static boolean unstableHash(Class<?> type) {
		return unstableHash(type, 0);
	}

	private static boolean unstableHash(Class<?> type, int depth) {
		if (type == null || type.isPrimitive() || depth > 4) {
			return false;
		}
		if (type.isEnum() || type == java.util.Currency.class) {
			return true;
		}
		if (type.isArray()) {
			return unstableHash(type.getComponentType(), depth + 1);
		}
		if (type.getName().startsWith("java.")) {
			return false;
		}
		for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
			for (Field f : c.getDeclaredFields()) {
				if (!Modifier.isStatic(f.getModifiers()) && unstableHash(f.getType(), depth + 1)) {
					return true;
				}
			}
		}
		return false;
	}
}
