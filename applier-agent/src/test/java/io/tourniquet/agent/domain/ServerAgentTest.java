package io.tourniquet.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.agent.Commands;
import io.tourniquet.agent.backend.SimulatedBackend;
import io.tourniquet.schemas.ChangeEvidence;
import io.tourniquet.schemas.MitigationApplied;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.MitigationFailed;
import io.tourniquet.schemas.MitigationSkipped;
import io.tourniquet.schemas.SkipReason;
import io.tourniquet.schemas.crypto.CommandVerifier;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerAgentTest {

    private final CommandGate gate = new CommandGate(new CommandVerifier(List.of(Commands.POLICY_KEYS.getPublic())), Clock.systemUTC());
    private final AtomicInteger applies = new AtomicInteger();

    private ServerAgent agent(Path stateDir, double failureRate) {
        var backend = new SimulatedBackend(failureRate, new Random(1)) {
            @Override
            public ChangeEvidence apply(MitigationDefinition definition) throws io.tourniquet.agent.backend.BackendException {
                applies.incrementAndGet();
                return super.apply(definition);
            }
        };
        return new ServerAgent(new ServerAgent.Identity("tenant-a", "exch01", "Exchange", "15.2.986.5", List.of(), "test"),
                gate, backend, new AgentStateStore(Optional.of(stateDir)));
    }

    @Test
    void appliesOnceAndAfterARestartReportsTheSameResultInsteadOfApplyingAgain(@TempDir Path stateDir) {
        var command = Commands.signed(Commands.apply("tenant-a", "exch01", 1).build());
        var first = agent(stateDir, 0).handle(command);
        assertThat(first).isInstanceOfSatisfying(MitigationApplied.class, applied -> {
            assertThat(applied.getCommand().getMitigationId()).isEqualTo("M1.1");
            assertThat(applied.getEvidence().getDigestBefore()).isNotEqualTo(applied.getEvidence().getDigestAfter());
        });

        // the process died after applying, before the report was acknowledged: the command is read again
        var afterRestart = agent(stateDir, 0);
        var again = afterRestart.handle(command);

        assertThat(again).isEqualTo(first);
        assertThat(applies).hasValue(1);
        assertThat(afterRestart.inventory().getAppliedMitigations()).containsExactly("M1.1");
    }

    @Test
    void anOlderCommandIsNotExecuted(@TempDir Path stateDir) {
        var agent = agent(stateDir, 0);
        agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 2).build()));
        var result = agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()));
        assertThat(result).isInstanceOfSatisfying(MitigationSkipped.class, s -> assertThat(s.getReason()).isEqualTo(SkipReason.REPLAYED));
        assertThat(applies).hasValue(1);
    }

    @Test
    void aFailedApplyIsReportedWithItsRollback(@TempDir Path stateDir) {
        var result = agent(stateDir, 1.0).handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()));
        assertThat(result).isInstanceOfSatisfying(MitigationFailed.class, f -> {
            assertThat(f.getError()).contains("simulated failure");
            assertThat(f.getRollback()).startsWith("not-needed");
        });
    }
}
