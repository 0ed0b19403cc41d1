package dev.clustercache.hibernate.internal;

/**
 * One write window: the node that opened it and a number unique on that node.
 *
 * @param origin the writer's node (its JGroups address, or {@link ClusterNode#LOCAL} without a cluster)
 * @param id unique among the windows that node opened
 */
record Writer(Object origin, long id) {
}
