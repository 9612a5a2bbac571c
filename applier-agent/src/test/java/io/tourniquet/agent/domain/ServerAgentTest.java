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
import io.tourniquet.schemas.crypto.DefinitionSignatures;
import io.tourniquet.schemas.crypto.Digests;
import io.tourniquet.schemas.crypto.SigningKey;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerAgentTest {

    private final CommandGate gate = Commands.gate();
    private final AtomicInteger applies = new AtomicInteger();

    private ServerAgent agent(Path stateDir, double failureRate) {
        var backend = new SimulatedBackend(failureRate, new Random(1)) {
            @Override
            public ChangeEvidence apply(MitigationDefinition definition) throws io.tourniquet.agent.backend.BackendException {
                applies.incrementAndGet();
                return super.apply(definition);
            }
        };
        return agent(stateDir, backend);
    }

    private ServerAgent agent(Path stateDir, SimulatedBackend backend, LocalControlStore control) {
        return new ServerAgent(new ServerAgent.Identity("tenant-a", "exch01", "Exchange", "test"),
                gate, backend, new AgentStateStore(Optional.of(stateDir)), control);
    }

    private ServerAgent agent(Path stateDir, SimulatedBackend backend) {
        return new ServerAgent(new ServerAgent.Identity("tenant-a", "exch01", "Exchange", "test"),
                gate, backend, new AgentStateStore(Optional.of(stateDir)), new LocalControlStore(Optional.of(stateDir)));
    }

    @Test
    void appliesOnceAndAfterARestartReportsTheSameResultInsteadOfApplyingAgain(@TempDir Path stateDir) {
        var command = Commands.signed(Commands.apply("tenant-a", "exch01", 1).build());
        var first = agent(stateDir, 0).handle(command);
        assertThat(first).isInstanceOfSatisfying(MitigationApplied.class, applied -> {
            assertThat(applied.getCommand().getMitigationId()).isEqualTo("M1.1");
            assertThat(applied.getCommand().getDefinitionDigest()).as("the result names the definition it carried out")
                    .isEqualTo(Digests.of(Commands.m11())).isNotBlank();
            assertThat(applied.getEvidence().getDigestBefore()).isNotEqualTo(applied.getEvidence().getDigestAfter());
        });

        // the process died after applying, before the report was acknowledged: the command is read again
        var afterRestart = agent(stateDir, 0);
        var again = afterRestart.handle(command);

        assertThat(again).isEqualTo(first);
        assertThat(applies).hasValue(1);
        assertThat(afterRestart.inventory().getAppliedMitigations()).containsExactly("M1.1");
        assertThat(afterRestart.inventory().getLastSequence()).as("reported, so a policy that lost its sequences continues above it").isEqualTo(1);
    }

    @Test
    void aCrashAfterTheChangeButBeforeItWasRecordedDoesNotApplyAgain(@TempDir Path stateDir) {
        var server = new SimulatedBackend(0, new Random(1));
        var command = Commands.signed(Commands.apply("tenant-a", "exch01", 1).build());
        var crashing = new SimulatedBackend(0, new Random(1)) {
            @Override
            public ChangeEvidence apply(MitigationDefinition definition) throws io.tourniquet.agent.backend.BackendException {
                server.apply(definition);
                throw new Error("power cut right after the change"); // an Error: the process dies, nothing reports it
            }
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> agent(stateDir, crashing).handle(command)).hasMessageContaining("power cut");

        var afterRestart = agent(stateDir, server).handle(command);

        assertThat(afterRestart).isInstanceOfSatisfying(MitigationApplied.class,
                applied -> assertThat(applied.getEvidence().getChanges()).anyMatch(c -> c.contains("not executed again")));
        assertThat(server.appliedCount("M1.1")).isEqualTo(1);
    }

    /**
     * A crash between writing the new state and renaming it over the old one leaves the old file and a temporary one,
     * whole or torn. The agent reads the old state, ignores the leftover, and the command read again runs once.
     */
    @Test
    void aCrashBetweenWritingAndRenamingItsStateLeavesTheOldStateAndTheCommandRunsOnce(@TempDir Path stateDir) throws Exception {
        var server = new SimulatedBackend(0, new Random(1));
        var first = Commands.signed(Commands.apply("tenant-a", "exch01", 1).build());
        assertThat(agent(stateDir, server).handle(first)).isInstanceOf(MitigationApplied.class);
        byte[] before = java.nio.file.Files.readAllBytes(stateDir.resolve("exch01.json"));
        // what the crash left: the next state half written beside the last renamed one
        java.nio.file.Files.writeString(stateDir.resolve("exch01.json.tmp"), "{\"lastSequence\": 2, \"inFo");

        var afterRestart = agent(stateDir, server);
        assertThat(afterRestart.inventory().getLastSequence()).as("the last state renamed into place").isEqualTo(1);
        var other = MitigationDefinition.newBuilder(Commands.m11()).setId("M2.1").build();
        assertThat(afterRestart.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 2, other).build()))).isInstanceOf(MitigationApplied.class);
        assertThat(java.nio.file.Files.readAllBytes(stateDir.resolve("exch01.json"))).isNotEqualTo(before);
        assertThat(stateDir.resolve("exch01.json.tmp")).doesNotExist();
        assertThat(afterRestart.inventory().getLastSequence()).isEqualTo(2);
    }

    /**
     * The disk is full (the state's temporary file is the kernel's /dev/full, which refuses every write with ENOSPC):
     * the command is not carried out, the failure is loud (the consumer exits for its service manager to restart it,
     * see CommandConsumer), nothing is half done; once there is room the same command runs, once.
     */
    @Test
    void withTheDiskFullNothingIsChangedTheFailureIsLoudAndTheCommandRunsOnceThereIsRoom(@TempDir Path stateDir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isWritable(Path.of("/dev/full")), "Linux /dev/full");
        var server = new SimulatedBackend(0, new Random(1));
        var command = Commands.signed(Commands.apply("tenant-a", "exch01", 1).build());
        Path temp = stateDir.resolve("exch01.json.tmp");
        java.nio.file.Files.createSymbolicLink(temp, Path.of("/dev/full"));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> agent(stateDir, server).handle(command))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("cannot save agent state")
                .rootCause().hasMessageContaining("No space left on device");
        assertThat(server.appliedCount("M1.1")).as("nothing changed on a server whose agent cannot record what it does").isZero();

        java.nio.file.Files.delete(temp); // room again
        assertThat(agent(stateDir, server).handle(command)).isInstanceOf(MitigationApplied.class);
        assertThat(server.appliedCount("M1.1")).isEqualTo(1);
    }

    @Test
    void anUnforeseenBackendErrorIsThisCommandsFailureAndTheNextCommandStillRuns(@TempDir Path stateDir) {
        var locked = new AtomicInteger(1);
        var backend = new SimulatedBackend(0, new Random(1)) {
            @Override
            public ChangeEvidence apply(MitigationDefinition definition) throws io.tourniquet.agent.backend.BackendException {
                if (locked.getAndDecrement() > 0) {
                    throw new java.io.UncheckedIOException(new java.io.IOException("web.config is locked by another process"));
                }
                return super.apply(definition);
            }
        };
        var agent = agent(stateDir, backend);

        assertThat(agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()))).isInstanceOfSatisfying(MitigationFailed.class, f -> {
            assertThat(f.getError()).contains("unexpected error in the simulated backend").contains("web.config is locked");
            assertThat(f.getRollback()).startsWith("not needed");
        });
        assertThat(agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 2).build()))).isInstanceOf(MitigationApplied.class);
        assertThat(backend.appliedCount("M1.1")).isEqualTo(1);
    }

    @Test
    void aChangeMadeBeforeAnUnforeseenErrorIsReportedAsMadeAndKeptInTheState(@TempDir Path stateDir) {
        var backend = new SimulatedBackend(0, new Random(1)) {
            @Override
            public ChangeEvidence apply(MitigationDefinition definition) throws io.tourniquet.agent.backend.BackendException {
                super.apply(definition);
                throw new IllegalStateException("reload signal lost");
            }
        };
        var agent = agent(stateDir, backend);

        assertThat(agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()))).isInstanceOfSatisfying(MitigationApplied.class,
                a -> assertThat(a.getEvidence().getChanges()).anyMatch(c -> c.contains("reload signal lost") && c.contains("shows the change in force")));
        assertThat(agent.inventory().getAppliedMitigations()).containsExactly("M1.1");
    }

    @Test
    void aCommandForALocallyBlockedMitigationIsHeldAndCarriedOutWhenUnblocked(@TempDir Path stateDir) {
        var server = new SimulatedBackend(0, new Random(1));
        var control = new LocalControlStore(Optional.of(stateDir));
        control.set(LocalControl.NONE.withBlocked("M1.1", true, "exchange-admin"));
        var agent = agent(stateDir, server, control);

        var result = agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()));

        assertThat(result).isInstanceOfSatisfying(MitigationSkipped.class, s -> {
            assertThat(s.getReason()).isEqualTo(SkipReason.BLOCKED_LOCALLY);
            assertThat(s.getDetail()).contains("exchange-admin");
        });
        assertThat(server.appliedCount("M1.1")).isZero();
        assertThat(agent.inventory().getBlockedMitigations()).containsExactly("M1.1");

        control.set(control.get().withBlocked("M1.1", false, "exchange-admin"));
        assertThat(agent.reconcileWithLocalControl()).singleElement().isInstanceOf(MitigationApplied.class);
        assertThat(server.appliedCount("M1.1")).isEqualTo(1);
        assertThat(agent.state().held).isEmpty();
    }

    @Test
    void blockingAMitigationInForceRemovesItAndUnblockingPutsItBack(@TempDir Path stateDir) {
        var server = new SimulatedBackend(0, new Random(1));
        var control = new LocalControlStore(Optional.of(stateDir));
        var agent = agent(stateDir, server, control);
        assertThat(agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()))).isInstanceOf(MitigationApplied.class);

        control.set(control.get().withBlocked("M1.1", true, "exchange-admin"));
        assertThat(agent.reconcileWithLocalControl()).singleElement().isInstanceOfSatisfying(io.tourniquet.schemas.MitigationRemoved.class,
                removed -> assertThat(removed.getEvidence().getChanges()).anyMatch(c -> c.contains("blocked by local control")));
        assertThat(server.inForce(Commands.m11())).isFalse();
        assertThat(agent.checkDrift(true)).isEmpty();

        control.set(control.get().withBlocked("M1.1", false, "exchange-admin"));
        assertThat(agent.reconcileWithLocalControl()).singleElement().isInstanceOf(MitigationApplied.class);
        assertThat(server.inForce(Commands.m11())).isTrue();
    }

    @Test
    void underObserveOnlyNothingChangesAndHeldCommandsAreCarriedOutAfterwards(@TempDir Path stateDir) {
        var server = new SimulatedBackend(0, new Random(1));
        var control = new LocalControlStore(Optional.of(stateDir));
        var agent = agent(stateDir, server, control);
        assertThat(agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).build()))).isInstanceOf(MitigationApplied.class);
        control.set(control.get().withObserveOnly(true, "exchange-admin"));

        server.removeByHand("M1.1");
        assertThat(agent.checkDrift(true)).singleElement().satisfies(d -> assertThat(d.getCorrected()).isFalse());
        var next = Commands.apply("tenant-a", "exch01", 2).build();
        assertThat(agent.handle(Commands.signed(next))).isInstanceOfSatisfying(MitigationSkipped.class,
                s -> assertThat(s.getReason()).isEqualTo(SkipReason.OBSERVE_ONLY));
        assertThat(agent.reconcileWithLocalControl()).isEmpty();
        assertThat(server.inForce(Commands.m11())).isFalse();

        control.set(control.get().withObserveOnly(false, "exchange-admin"));
        assertThat(agent.reconcileWithLocalControl()).singleElement().isInstanceOfSatisfying(MitigationApplied.class,
                applied -> assertThat(applied.getCommand().getCommandId()).isEqualTo(next.getCommandId()));
        assertThat(server.inForce(Commands.m11())).isTrue();
    }

    @Test
    void driftOfAMitigationThePolicyMarkedReportOnlyIsReportedNotCorrected(@TempDir Path stateDir) {
        var server = new SimulatedBackend(0, new Random(1));
        var agent = agent(stateDir, server);
        agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).setDriftReportOnly(true).build()));
        server.removeByHand("M1.1");

        assertThat(agent.checkDrift(true)).singleElement().satisfies(d -> assertThat(d.getCorrected()).isFalse());
        assertThat(server.inForce(Commands.m11())).isFalse();
    }

    @Test
    void aShadowCommandDeploysLogOnlyAndABackendThatCannotRefusesIt(@TempDir Path stateDir) throws Exception {
        var server = new SimulatedBackend(0, new Random(1));
        var shadow = Commands.apply("tenant-a", "exch01", 1).setShadowMode(true).build();
        assertThat(agent(stateDir, server).handle(Commands.signed(shadow))).isInstanceOfSatisfying(MitigationApplied.class,
                a -> assertThat(a.getEvidence().getChanges()).anyMatch(c -> c.contains("log-only")));
        assertThat(server.inForce(Commands.m11())).as("nothing enforced").isFalse();
        assertThat(server.appliedCount("M1.1")).isZero();

        // IIS deploys log-only only where it can log what the rules match; here its site logs in the old IIS format
        Path iisDir = stateDir.resolve("iis");
        java.nio.file.Files.createDirectories(iisDir);
        java.nio.file.Files.writeString(iisDir.resolve("rewrite.dll"), "stand-in");
        java.nio.file.Files.writeString(iisDir.resolve("web.config"), "<configuration>\n</configuration>\n");
        var iis = new io.tourniquet.agent.backend.iis.IisBackend(java.util.Map.of("Default Web Site", iisDir.resolve("web.config")), iisDir.resolve("rewrite.dll"),
                script -> new io.tourniquet.agent.backend.windows.PowerShell.Result(4, "site 'Default Web Site' logs in IIS format"), iisDir,
                iisDir.resolve("W3SVC1"));
        var onIis = new ServerAgent(new ServerAgent.Identity("tenant-a", "exch01", "Exchange", "test"),
                gate, iis, new AgentStateStore(Optional.of(iisDir)), new LocalControlStore(Optional.empty()));
        assertThat(onIis.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).setShadowMode(true).build())))
                .isInstanceOfSatisfying(MitigationFailed.class, f -> assertThat(f.getError()).contains("cannot deploy M1.1 log-only")
                        .contains("logs in IIS format"));
        assertThat(java.nio.file.Files.readString(iisDir.resolve("web.config"))).isEqualTo("<configuration>\n</configuration>\n");
    }

    /** On a real backend the inventory carries only what was read from the machine; the rest is said to be unknown. */
    @Test
    void theInventoryOfARealBackendReportsWhatItCouldNotReadAsUnknownNeverAConfiguredValue(@TempDir Path stateDir) throws Exception {
        var iis = new io.tourniquet.agent.backend.iis.IisBackend(java.util.Map.of(), stateDir.resolve("rewrite.dll"),
                script -> new io.tourniquet.agent.backend.windows.PowerShell.Result(0, ""), stateDir, stateDir.resolve("W3SVC1"));
        var onIis = new ServerAgent(new ServerAgent.Identity("tenant-a", "exch01", "Exchange", "test"),
                gate, iis, new AgentStateStore(Optional.of(stateDir)), new LocalControlStore(Optional.empty()));
        var inventory = onIis.inventory();
        assertThat(inventory.getBuild()).isNull();
        assertThat(inventory.getInstalledUpdates()).isNull();
        assertThat(inventory.getUnreadable()).containsKeys("build", "installedUpdates");
        assertThat(inventory.getBackend()).isEqualTo("iis");

        var simulated = agent(stateDir, 0).inventory();
        assertThat(simulated.getBuild()).isEqualTo("15.2.986.5");
        assertThat(simulated.getUnreadable()).isEmpty();
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

    @Test
    void anAgentRestartedFromItsStateRefusesAReplayedOldCommand(@TempDir Path stateDir) {
        var old = Commands.signed(Commands.apply("tenant-a", "exch01", 1).build());
        var agent = agent(stateDir, 0);
        agent.handle(old);
        agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 2).build()));

        var result = agent(stateDir, 0).handle(old); // still signed, still unexpired: only the durable sequence stops it
        assertThat(result).isInstanceOfSatisfying(MitigationSkipped.class, s -> assertThat(s.getReason()).isEqualTo(SkipReason.REPLAYED));
        assertThat(applies).hasValue(2);
    }

    /** The policy key alone is not enough: a definition the publisher did not sign executes nothing, and the skip is reported. */
    @Test
    void aPolicySignedCommandWhoseDefinitionThePublisherDidNotSignExecutesNothing(@TempDir Path stateDir) {
        var agent = agent(stateDir, 0);
        var unsigned = agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 1).setDefinitionSignature(null).build()));
        var foreign = agent.handle(Commands.signed(Commands.apply("tenant-a", "exch01", 2)
                .setDefinitionSignature(DefinitionSignatures.sign(new SigningKey(Commands.ATTACKER_KEYS), Digests.of(Commands.m11()))).build()));

        assertThat(unsigned).isInstanceOfSatisfying(MitigationSkipped.class, s -> assertThat(s.getReason()).isEqualTo(SkipReason.UNSIGNED_DEFINITION));
        assertThat(foreign).isInstanceOfSatisfying(MitigationSkipped.class, s -> assertThat(s.getReason()).isEqualTo(SkipReason.UNTRUSTED_DEFINITION));
        assertThat(applies).hasValue(0);
        assertThat(agent.inventory().getAppliedMitigations()).isEmpty();
    }
}
