package dev.clustercache.hibernate.internal;

/**
 * What {@link ValidationState} changes in a distributed region with a near cache: the near copies of one key (a write
 * window or an eviction drops them, a validated fill puts them), and the region's data on this node as a whole (a
 * region-wide window, an eviction of the region or a merge clears the near copies and this node's grid copies).
 */
final class NearCopies implements Store {

	private final GridRegion grid;
	private final InfinispanStore near;

	NearCopies(GridRegion grid, InfinispanStore near) {
		this.grid = grid;
		this.near = near;
	}

	@Override
	public Object get(Object key) {
		return near.get(key);
	}

	@Override
	public void put(Object key, Object value) {
		near.put(key, value);
	}

	@Override
	public void remove(Object key) {
		near.remove(key);
	}

	@Override
	public void clear() {
		near.clear();
		grid.clear();
	}

	@Override
	public long size() {
		return near.size() + grid.size();
	}
}
