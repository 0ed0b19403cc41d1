package dev.clustercache.sample;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON this sample needs, written by hand to keep the application free of a JSON library: {@link #write}
 * turns maps, lists, strings, numbers, booleans and null into text, and {@link #parse} reads such text back into
 * {@link LinkedHashMap}, {@link ArrayList}, {@link String}, {@link BigDecimal}, {@link Boolean} and null.
 */
final class Json {

	private Json() {
	}

	static String write(Object value) {
		StringBuilder out = new StringBuilder(256);
		write(value, out);
		return out.toString();
	}

	private static void write(Object value, StringBuilder out) {
		if (value == null) {
			out.append("null");
		}
		else if (value instanceof String s) {
			writeString(s, out);
		}
		else if (value instanceof BigDecimal d) {
			out.append(d.toPlainString());
		}
		else if (value instanceof Double d) {
			out.append(d.isNaN() || d.isInfinite() ? "null" : d.toString());
		}
		else if (value instanceof Number || value instanceof Boolean) {
			out.append(value);
		}
		else if (value instanceof Map<?, ?> map) {
			out.append('{');
			boolean first = true;
			for (Map.Entry<?, ?> e : map.entrySet()) {
				if (!first) {
					out.append(',');
				}
				first = false;
				writeString(String.valueOf(e.getKey()), out);
				out.append(':');
				write(e.getValue(), out);
			}
			out.append('}');
		}
		else if (value instanceof Iterable<?> list) {
			out.append('[');
			boolean first = true;
			for (Object item : list) {
				if (!first) {
					out.append(',');
				}
				first = false;
				write(item, out);
			}
			out.append(']');
		}
		else {
			writeString(value.toString(), out);
		}
	}

	private static void writeString(String s, StringBuilder out) {
		out.append('"');
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> {
					if (c < 0x20) {
						out.append(String.format("\\u%04x", (int) c));
					}
					else {
						out.append(c);
					}
				}
			}
		}
		out.append('"');
	}

	static Object parse(String text) {
		Parser p = new Parser(text);
		p.skipWhitespace();
		Object value = p.value();
		p.skipWhitespace();
		if (p.pos != text.length()) {
			throw p.error("end of input");
		}
		return value;
	}

	/** Parses a JSON object; fails with a message that quotes the start of the text if it is anything else. */
	@SuppressWarnings("unchecked")
	static Map<String, Object> parseObject(String text) {
		Object value = parse(text);
		if (value instanceof Map<?, ?> map) {
			return (Map<String, Object>) map;
		}
		throw new IllegalArgumentException("Expected a JSON object but got: " + abbreviate(text));
	}

	static String abbreviate(String text) {
		return text.length() <= 80 ? text : text.substring(0, 77) + "...";
	}

	private static final class Parser {
		private final String s;
		private int pos;

		Parser(String s) {
			this.s = s;
		}

		Object value() {
			if (pos >= s.length()) {
				throw error("a value");
			}
			char c = s.charAt(pos);
			return switch (c) {
				case '{' -> object();
				case '[' -> array();
				case '"' -> string();
				case 't' -> literal("true", Boolean.TRUE);
				case 'f' -> literal("false", Boolean.FALSE);
				case 'n' -> literal("null", null);
				default -> number();
			};
		}

		private Map<String, Object> object() {
			Map<String, Object> map = new LinkedHashMap<>();
			pos++;
			skipWhitespace();
			if (peek() == '}') {
				pos++;
				return map;
			}
			while (true) {
				skipWhitespace();
				if (peek() != '"') {
					throw error("a string key");
				}
				String key = string();
				skipWhitespace();
				expect(':');
				skipWhitespace();
				map.put(key, value());
				skipWhitespace();
				char c = next();
				if (c == '}') {
					return map;
				}
				if (c != ',') {
					pos--;
					throw error("',' or '}'");
				}
			}
		}

		private List<Object> array() {
			List<Object> list = new ArrayList<>();
			pos++;
			skipWhitespace();
			if (peek() == ']') {
				pos++;
				return list;
			}
			while (true) {
				skipWhitespace();
				list.add(value());
				skipWhitespace();
				char c = next();
				if (c == ']') {
					return list;
				}
				if (c != ',') {
					pos--;
					throw error("',' or ']'");
				}
			}
		}

		private String string() {
			pos++;
			StringBuilder out = new StringBuilder();
			while (true) {
				char c = next();
				if (c == '"') {
					return out.toString();
				}
				if (c == '\\') {
					char e = next();
					switch (e) {
						case 'n' -> out.append('\n');
						case 'r' -> out.append('\r');
						case 't' -> out.append('\t');
						case 'b' -> out.append('\b');
						case 'f' -> out.append('\f');
						case 'u' -> {
							if (pos + 4 > s.length()) {
								throw error("four hex digits");
							}
							out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
							pos += 4;
						}
						default -> out.append(e);
					}
				}
				else {
					out.append(c);
				}
			}
		}

		private BigDecimal number() {
			int start = pos;
			while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
				pos++;
			}
			if (start == pos) {
				throw error("a value");
			}
			try {
				return new BigDecimal(s.substring(start, pos));
			}
			catch (NumberFormatException e) {
				pos = start;
				throw error("a number");
			}
		}

		private Object literal(String word, Object value) {
			if (!s.startsWith(word, pos)) {
				throw error("'" + word + "'");
			}
			pos += word.length();
			return value;
		}

		private void expect(char c) {
			if (next() != c) {
				pos--;
				throw error("'" + c + "'");
			}
		}

		private char peek() {
			return pos < s.length() ? s.charAt(pos) : '\0';
		}

		private char next() {
			if (pos >= s.length()) {
				throw error("more input");
			}
			return s.charAt(pos++);
		}

		void skipWhitespace() {
			while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
				pos++;
			}
		}

		IllegalArgumentException error(String expected) {
			return new IllegalArgumentException("Invalid JSON at offset " + pos + ": expected " + expected + " in "
					+ abbreviate(s));
		}
	}
}
