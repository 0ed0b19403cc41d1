package dev.clustercache.hibernate.internal;

import org.hibernate.cache.spi.access.AccessType;

/** The three behaviours behind Hibernate's four access types; TRANSACTIONAL is served by READ_WRITE. */
enum Strategy {
	READ_ONLY,
	NONSTRICT_READ_WRITE,
	READ_WRITE;

	static Strategy of(AccessType type) {
		return switch (type) {
			case READ_ONLY -> READ_ONLY;
			case NONSTRICT_READ_WRITE -> NONSTRICT_READ_WRITE;
			case READ_WRITE, TRANSACTIONAL -> READ_WRITE;
		};
	}
}
