package dev.clustercache.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.hibernate.Version;
import org.junit.jupiter.api.Test;

import dev.clustercache.hibernate.ClusterCacheRegionFactory;

/**
 * Issue 8: region-factory is compiled against Hibernate 7 and must also run on Hibernate 6.6. A member that exists in
 * both with another return type, or in another interface (for example {@code SessionFactoryImplementor#getJpaMetamodel()},
 * {@code JpaMetamodel} on 7, inherited as {@code JpaMetamodelImplementor} on 6.6), compiles against 6.6 and still
 * fails on it with {@link NoSuchMethodError}, and only where a test happens to reach it. This test reads every
 * reference that region-factory's class files make to a Hibernate or Jakarta class, method or field and resolves it,
 * by name and descriptor as the JVM links it, against the Hibernate on the test classpath: 7.x in {@code mvn verify},
 * 6.6 in the integration-tests profile {@code hibernate66} that {@code .ci/run} runs.
 */
class HibernateLinkageTest {

	private static final int CLASS = 7, FIELD = 9, METHOD = 10, INTERFACE_METHOD = 11, NAME_AND_TYPE = 12;

	/** One symbolic reference of a class file: {@code kind} is CLASS, FIELD, METHOD or INTERFACE_METHOD. */
	private record Reference(int kind, String owner, String name, String descriptor, String usedBy) {
		@Override
		public String toString() {
			return owner.replace('/', '.') + (kind == CLASS ? "" : "." + name + descriptor) + " (used by " + usedBy + ")";
		}
	}

	@Test
	void everyHibernateAndJakartaMemberThatRegionFactoryUses_linksAgainstTheHibernateOnTheClasspath() throws Exception {
		List<Reference> references = new ArrayList<>();
		forEachClassFile(path -> references.addAll(references(path)));
		assertThat(references).as("references to Hibernate found in region-factory")
				.anyMatch(r -> r.owner().startsWith("org/hibernate/") && r.kind() != CLASS);

		Set<String> unresolved = new TreeSet<>();
		for (Reference reference : references) {
			if (!resolves(reference)) {
				unresolved.add(reference.toString());
			}
		}
		assertThat(unresolved).as("members that region-factory uses and Hibernate %s lacks (use a form that both "
				+ "Hibernate 6.6 and 7 have, such as the JPA interface's)", Version.getVersionString()).isEmpty();
	}

	private interface ClassFileAction {
		void accept(Path classFile) throws IOException;
	}

	/** region-factory's classes: a directory or a jar, wherever the test classpath has them. */
	private static void forEachClassFile(ClassFileAction action) throws IOException, URISyntaxException {
		Path location = Path.of(ClusterCacheRegionFactory.class.getProtectionDomain().getCodeSource().getLocation()
				.toURI());
		try (FileSystem jar = Files.isDirectory(location) ? null : FileSystems.newFileSystem(location)) {
			Path root = jar == null ? location : jar.getPath("/");
			try (Stream<Path> files = Files.walk(root.resolve("dev/clustercache/hibernate"))) {
				for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
					action.accept(file);
				}
			}
		}
	}

	/** The class, field and method references of one class file whose owner is in {@code org.hibernate} or {@code jakarta}. */
	private static List<Reference> references(Path classFile) throws IOException {
		try (InputStream in = Files.newInputStream(classFile); DataInputStream data = new DataInputStream(in)) {
			data.readInt(); // magic
			data.readUnsignedShort(); // minor
			data.readUnsignedShort(); // major
			int count = data.readUnsignedShort();
			int[] tags = new int[count];
			int[] first = new int[count];
			int[] second = new int[count];
			String[] utf8 = new String[count];
			for (int i = 1; i < count; i++) {
				int tag = data.readUnsignedByte();
				tags[i] = tag;
				switch (tag) {
					case 1 -> utf8[i] = data.readUTF();
					case 3, 4 -> data.readInt();
					case 5, 6 -> {
						data.readLong();
						i++; // eight-byte constants take two slots
					}
					case CLASS, 8, 16, 19, 20 -> first[i] = data.readUnsignedShort();
					case FIELD, METHOD, INTERFACE_METHOD, NAME_AND_TYPE, 17, 18 -> {
						first[i] = data.readUnsignedShort();
						second[i] = data.readUnsignedShort();
					}
					case 15 -> {
						data.readUnsignedByte();
						data.readUnsignedShort();
					}
					default -> throw new IOException("Unknown constant pool tag " + tag + " in " + classFile);
				}
			}
			String usedBy = classFile.getFileName().toString();
			List<Reference> result = new ArrayList<>();
			for (int i = 1; i < count; i++) {
				if (tags[i] == CLASS) {
					String name = utf8[first[i]].replaceFirst("^\\[+L?", "").replaceFirst(";$", "");
					if (isApplicationProvided(name)) {
						result.add(new Reference(CLASS, name, null, null, usedBy));
					}
				}
				else if (tags[i] == FIELD || tags[i] == METHOD || tags[i] == INTERFACE_METHOD) {
					String owner = utf8[first[first[i]]];
					if (isApplicationProvided(owner) && !owner.startsWith("[")) {
						int nameAndType = second[i];
						result.add(new Reference(tags[i], owner, utf8[first[nameAndType]], utf8[second[nameAndType]],
								usedBy));
					}
				}
			}
			return result;
		}
	}

	/** What the application brings, in its own version: Hibernate and the Jakarta APIs. */
	private static boolean isApplicationProvided(String internalName) {
		return internalName.startsWith("org/hibernate/") || internalName.startsWith("jakarta/");
	}

	private static boolean resolves(Reference reference) {
		Class<?> owner;
		try {
			owner = Class.forName(reference.owner().replace('/', '.'), false, HibernateLinkageTest.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError e) {
			return false;
		}
		return switch (reference.kind()) {
			case CLASS -> true;
			case FIELD -> hasField(owner, reference.name(), reference.descriptor());
			default -> hasMethod(owner, reference.name(), reference.descriptor(), new HashSet<>());
		};
	}

	/** Method resolution as the JVM does it: the class, its superclasses, then all its superinterfaces. */
	private static boolean hasMethod(Class<?> type, String name, String descriptor, Set<Class<?>> seen) {
		if (type == null || !seen.add(type)) {
			return false;
		}
		Executable[] candidates = name.equals("<init>") ? type.getDeclaredConstructors() : type.getDeclaredMethods();
		for (Executable candidate : candidates) {
			if ((candidate instanceof Constructor || candidate.getName().equals(name))
					&& descriptor(candidate).equals(descriptor)) {
				return true;
			}
		}
		if (name.equals("<init>")) {
			return false;
		}
		if (hasMethod(type.getSuperclass(), name, descriptor, seen)) {
			return true;
		}
		for (Class<?> implemented : type.getInterfaces()) {
			if (hasMethod(implemented, name, descriptor, seen)) {
				return true;
			}
		}
		return type.isInterface() && hasMethod(Object.class, name, descriptor, seen);
	}

	private static boolean hasField(Class<?> type, String name, String descriptor) {
		if (type == null) {
			return false;
		}
		for (Field field : type.getDeclaredFields()) {
			if (field.getName().equals(name) && descriptor(field.getType()).equals(descriptor)) {
				return true;
			}
		}
		for (Class<?> implemented : type.getInterfaces()) {
			if (hasField(implemented, name, descriptor)) {
				return true;
			}
		}
		return hasField(type.getSuperclass(), name, descriptor);
	}

	private static String descriptor(Executable executable) {
		StringBuilder result = new StringBuilder("(");
		for (Class<?> parameter : executable.getParameterTypes()) {
			result.append(descriptor(parameter));
		}
		result.append(')');
		return result.append(executable instanceof Method method ? descriptor(method.getReturnType()) : "V").toString();
	}

	private static String descriptor(Class<?> type) {
		if (type.isArray()) {
			return "[" + descriptor(type.getComponentType());
		}
		if (!type.isPrimitive()) {
			return "L" + type.getName().replace('.', '/') + ";";
		}
		return switch (type.getName()) {
			case "void" -> "V";
			case "boolean" -> "Z";
			case "byte" -> "B";
			case "char" -> "C";
			case "short" -> "S";
			case "int" -> "I";
			case "long" -> "J";
			case "float" -> "F";
			default -> "D";
		};
	}
}
