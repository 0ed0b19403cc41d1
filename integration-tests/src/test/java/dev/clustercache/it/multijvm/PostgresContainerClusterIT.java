package dev.clustercache.it.multijvm;

import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;

import dev.clustercache.sample.Mix;

/**
 * The Testcontainers twin of {@link PostgresClusterIT}: the same healthy scenarios on a PostgreSQL that this test
 * starts in a container, its port published on 127.0.0.1 only. Skipped cleanly where no Docker engine answers.
 */
@Testcontainers(disabledWithoutDocker = true)
@Tag("multi-jvm")
class PostgresContainerClusterIT {

	private static final Duration LOAD = Duration.ofSeconds(10);

	/** Started by the Testcontainers extension before {@link #cluster} (class-level extensions come first). */
	@Container
	static final PostgreSQLContainer<?> postgres = new PostgreSQLContainer<>(DockerImageName.parse("postgres:16-alpine"))
			.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
					new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(PostgreSQLContainer.POSTGRESQL_PORT))));

	@RegisterExtension
	static final SampleCluster cluster = SampleCluster.of(3, () -> new ClusterDatabase("postgresql-container",
			"jdbc:postgresql://127.0.0.1:" + postgres.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT) + "/"
					+ postgres.getDatabaseName(),
			postgres.getUsername(), postgres.getPassword(), null));

	@Test
	void healthyCluster_readMostly_servesNoStaleRead() {
		Scenarios.healthy(cluster, Mix.READ_MOSTLY, LOAD);
	}

	@Test
	void healthyCluster_writeHeavy_servesNoStaleRead() {
		Scenarios.healthy(cluster, Mix.WRITE_HEAVY, LOAD);
	}
}
