package dev.clustercache.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {

	@Test
	void writesAndReadsBack() {
		Map<String, Object> value = new LinkedHashMap<>();
		value.put("id", 7L);
		value.put("price", new BigDecimal("12.50"));
		value.put("name", "a \"quoted\"\\ name\n\u0001");
		value.put("tags", Arrays.asList("x", null, true));
		value.put("ratio", Double.NaN);

		String text = Json.write(value);

		assertThat(text).isEqualTo("{\"id\":7,\"price\":12.50,\"name\":\"a \\\"quoted\\\"\\\\ name\\n\\u0001\","
				+ "\"tags\":[\"x\",null,true],\"ratio\":null}");
		Map<String, Object> back = Json.parseObject(" " + text + " ");
		assertThat(back.get("id")).isEqualTo(new BigDecimal("7"));
		assertThat(back.get("price")).isEqualTo(new BigDecimal("12.50"));
		assertThat(back.get("name")).isEqualTo("a \"quoted\"\\ name\n\u0001");
		assertThat(back.get("tags")).isEqualTo(Arrays.asList("x", null, true));
	}

	@Test
	void readsNestedEmptyValuesAndUnicodeEscapes() {
		assertThat(Json.parse("{\"a\":{},\"b\":[],\"c\":\"\\u00e9\",\"d\":-1.5e2}"))
				.isEqualTo(Map.of("a", Map.of(), "b", List.of(), "c", "é", "d", new BigDecimal("-1.5e2")));
	}

	@Test
	void rejectsMalformedTextWithTheOffset() {
		assertThatThrownBy(() -> Json.parse("{\"a\":1,}")).hasMessageStartingWith("Invalid JSON at offset 7");
		assertThatThrownBy(() -> Json.parse("[1 2]")).hasMessageContaining("expected ',' or ']'");
		assertThatThrownBy(() -> Json.parseObject("[]")).hasMessage("Expected a JSON object but got: []");
	}
}
