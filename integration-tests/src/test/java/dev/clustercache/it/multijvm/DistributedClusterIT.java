package dev.clustercache.it.multijvm;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The healthy scenarios of {@link GridModeScenarios} with every region {@code distributed}. */
@Tag("multi-jvm")
class DistributedClusterIT extends GridModeScenarios {

	@RegisterExtension
	static final SampleCluster cluster = inMode("distributed");

	@Override
	SampleCluster cluster() {
		return cluster;
	}

	@Override
	String mode() {
		return "distributed";
	}
}
