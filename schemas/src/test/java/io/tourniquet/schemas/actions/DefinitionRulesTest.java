package io.tourniquet.schemas.actions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.MitigationDefinition;
import io.tourniquet.schemas.RequestCondition;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DefinitionRulesTest {

    private static MitigationDefinition blocking(String ruleName, String pattern) {
        return MitigationDefinition.newBuilder().setId("M1.1").setRevision(1).setTitle("ProxyNotShell").setProduct("Exchange")
                .setActions(List.of(BlockRequests.newBuilder().setRuleName(ruleName).setResponse(BlockResponse.ABORT_REQUEST)
                        .setConditions(List.of(new RequestCondition("{UrlDecode:{REQUEST_URI}}", pattern, true, false))).build()))
                .build();
    }

    @Test
    void microsoftsOwnPatternsPass() {
        assertThat(DefinitionRules.problems(blocking("EEMS M1.1 PowerShell - inbound", "(?=.*autodiscover)(?=.*powershell)"))).isEmpty();
        assertThat(DefinitionRules.problems(blocking("EEMS EOMT1", ".*autodiscover\\.json.*\\@.*Powershell.*"))).isEmpty();
    }

    @Test
    void aControlCharacterThatWouldReachWebConfigIsRefusedWithWhereItIs() {
        assertThatThrownBy(() -> DefinitionRules.requireValid(blocking("rule\u0001name", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ruleName").hasMessageContaining("U+0001").hasMessageContaining("XML cannot hold");
    }

    @ParameterizedTest
    @ValueSource(strings = {"(a+)+$", "(.*)*x", "(\\w+\\s?)*$", "(a|)+"})
    void patternsThatBacktrackCatastrophicallyAreRefused(String pattern) {
        assertThat(DefinitionRules.problems(blocking("r", pattern))).singleElement().asString().contains("exponential time");
    }

    @Test
    void anInvalidPatternAndOversizedFieldsAreRefused() {
        assertThat(DefinitionRules.problems(blocking("r", "(unclosed"))).singleElement().asString().contains("invalid pattern");
        assertThat(DefinitionRules.problems(blocking(String.join("", Collections.nCopies(2000, "x")), "x")))
                .singleElement().asString().contains("2000 characters long, at most 1024");
    }
}
