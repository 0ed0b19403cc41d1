package dev.clustercache.it.multijvm;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The healthy scenarios of {@link GridModeScenarios} with every region {@code replicated}. */
@Tag("multi-jvm")
class ReplicatedClusterIT extends GridModeScenarios {

	@RegisterExtension
	static final SampleCluster cluster = inMode("replicated");

	@Override
	SampleCluster cluster() {
		return cluster;
	}

	@Override
	String mode() {
		return "replicated";
	}
}
