package dev.clustercache.sample;

/** The kinds of operation the load generator sends, each with the region kind it exercises. */
public enum Operation {
	/** {@code GET /products/{id}}: entity region. */
	READ_BY_ID("read-by-id", true),
	/** {@code GET /products/sku/{sku}}: natural-id region, then entity region. */
	READ_BY_SKU("read-by-sku", true),
	/** {@code GET /categories/{id}/products}: collection region, then entity region. */
	CATEGORY_PRODUCTS("category-products", true),
	/** {@code GET /queries/products-of-category}: query region, then entity region. */
	QUERY_OF_CATEGORY("query-of-category", true),
	/** {@code GET /queries/products-under-price}: query region, then entity region. */
	QUERY_UNDER_PRICE("query-under-price", true),
	/** {@code PUT /products/{id}}: a new price, a new version. */
	UPDATE("update", false),
	/** {@code POST /products}. */
	INSERT("insert", false),
	/** {@code DELETE /products/{id}}. */
	DELETE("delete", false);

	private final String label;
	private final boolean read;

	Operation(String label, boolean read) {
		this.label = label;
		this.read = read;
	}

	public String label() {
		return label;
	}

	public boolean isRead() {
		return read;
	}
}
