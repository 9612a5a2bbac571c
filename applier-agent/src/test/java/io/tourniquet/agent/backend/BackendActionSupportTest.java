package io.tourniquet.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.agent.Commands;
import io.tourniquet.agent.backend.iis.IisBackend;
import io.tourniquet.agent.backend.nginx.NginxBackend;
import io.tourniquet.agent.backend.windows.PowerShell;
import io.tourniquet.schemas.DisableAppPool;
import io.tourniquet.schemas.DisableService;
import io.tourniquet.schemas.DisableVirtualDirectory;
import io.tourniquet.schemas.Heartbeat;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.RewriteResponseHeader;
import io.tourniquet.schemas.SetAuthentication;
import io.tourniquet.schemas.actions.ActionType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend has decided about every action type of the vocabulary (the exhaustive switch makes a new type a
 * compile error until it has), and what it declared is what it does: a refused type fails the command with the
 * declared reason before anything is changed.
 */
class BackendActionSupportTest {

    @TempDir
    static Path dir;

    static Stream<Backend> backends() throws Exception {
        Path iis = Files.createDirectories(dir.resolve("iis"));
        Path nginx = Files.createDirectories(dir.resolve("nginx"));
        return Stream.of(
                new SimulatedBackend(0, new Random(1)),
                new IisBackend(Map.of(), iis.resolve("rewrite.dll"), script -> new PowerShell.Result(0, ""), iis, iis.resolve("W3SVC1")),
                // nginx is never started here: a refused action must fail before nginx is run or a file written
                new NginxBackend(nginx.resolve("include"), nginx.resolve("no-nginx"), nginx.resolve("nginx.conf")));
    }

    static Stream<Arguments> everyBackendAndActionType() throws Exception {
        List<Backend> all = backends().toList();
        return all.stream().flatMap(b -> Stream.of(ActionType.values()).map(t -> Arguments.of(b.name(), b, t)));
    }

    static Object example(ActionType type) {
        return switch (type) {
            case BLOCK_REQUESTS -> Commands.m11().getActions().get(0);
            case REWRITE_RESPONSE_HEADER -> new RewriteResponseHeader("EEMS M2.1 OWA header", "Default Web Site", "^/owa/", "^text/html",
                    "X-Tourniquet", "mitigated");
            case DISABLE_SERVICE -> new DisableService("MSExchangeUM");
            case DISABLE_APP_POOL -> new DisableAppPool("MSExchangePowerShellAppPool");
            case DISABLE_VIRTUAL_DIRECTORY -> new DisableVirtualDirectory("Default Web Site", "/ecp");
            case SET_AUTHENTICATION -> new SetAuthentication("Default Web Site", "/PowerShell", "basicAuthentication", false);
            case HEARTBEAT -> new Heartbeat("");
        };
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("everyBackendAndActionType")
    void eachBackendDecidesAboutEachActionTypeWithAReasonWhenItRefuses(String name, Backend backend, ActionType type) {
        ActionSupport support = backend.support(type);
        assertThat(support).as("%s decides about %s", name, type).isNotNull();
        if (!support.supported()) {
            assertThat(support.reason()).isNotBlank();
        }
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("everyBackendAndActionType")
    void aRefusedActionTypeFailsTheCommandWithItsReasonBeforeAnyChange(String name, Backend backend, ActionType type) throws Exception {
        ActionSupport support = backend.support(type);
        if (support.supported()) {
            return; // carried out: each backend's own test applies it for real
        }
        MitigationDefinition definition = MitigationDefinition.newBuilder(Commands.m11())
                .setActions(List.of(Commands.m11().getActions().get(0), example(type))).build();
        assertThatThrownBy(() -> backend.apply(definition)).isInstanceOfSatisfying(BackendException.class, e -> {
            assertThat(e.getMessage()).contains(type.name()).contains(support.reason());
            assertThat(e.rollback()).startsWith("not-needed");
        });
        assertThat(dir.resolve("nginx/include")).as("nothing written").doesNotExist();
    }

    @Test
    void theSimulatedServerCarriesOutEveryType() throws Exception {
        var simulated = new SimulatedBackend(0, new Random(1));
        MitigationDefinition everything = MitigationDefinition.newBuilder(Commands.m11())
                .setActions(Stream.of(ActionType.values()).map(BackendActionSupportTest::example).toList()).build();
        simulated.apply(everything);
        assertThat(simulated.inForce(everything)).isTrue();
    }

    @Test
    void nginxRefusesWhatOnlyTheExchangeServerCanDo() {
        var nginx = new NginxBackend(dir.resolve("n"), dir.resolve("n/nginx"), dir.resolve("n/nginx.conf"));
        assertThat(Stream.of(ActionType.values()).filter(t -> !nginx.support(t).supported()))
                .contains(ActionType.DISABLE_SERVICE, ActionType.DISABLE_APP_POOL, ActionType.SET_AUTHENTICATION)
                .doesNotContain(ActionType.BLOCK_REQUESTS, ActionType.DISABLE_VIRTUAL_DIRECTORY, ActionType.HEARTBEAT);
    }
}
