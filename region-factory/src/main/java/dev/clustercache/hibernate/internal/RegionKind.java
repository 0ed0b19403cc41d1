package dev.clustercache.hibernate.internal;

/** The kinds of region, each with its own settings prefix. */
enum RegionKind {
	ENTITY("entity"),
	COLLECTION("collection"),
	NATURAL_ID("naturalid"),
	QUERY("query");

	final String settingsName;

	RegionKind(String settingsName) {
		this.settingsName = settingsName;
	}
}
