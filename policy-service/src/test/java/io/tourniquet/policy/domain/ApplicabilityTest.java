package io.tourniquet.policy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.tourniquet.policy.TestData;
import io.tourniquet.schemas.MitigationDefinition;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApplicabilityTest {

    private final MitigationDefinition m11 = TestData.m11().getDefinition();

    private Applicability.Verdict verdict(String build, String... updates) {
        return Applicability.of(m11, TestData.server("t", "s", build, List.of(updates)));
    }

    @Test
    void affectedBuildsWithoutTheFixNeedTheMitigation() {
        assertThat(verdict("15.2.986.5")).isEqualTo(Applicability.Verdict.APPLICABLE);
        assertThat(verdict("15.2.1118.7")).isEqualTo(Applicability.Verdict.APPLICABLE);
    }

    @Test
    void fixedBuildsAndInstalledUpdatesDoNot() {
        assertThat(verdict("15.2.986.36")).isEqualTo(Applicability.Verdict.BUILD_NOT_AFFECTED);
        assertThat(verdict("15.2.1118.20")).isEqualTo(Applicability.Verdict.BUILD_NOT_AFFECTED);
        assertThat(verdict("15.2.986.5", "KB5019758")).isEqualTo(Applicability.Verdict.PATCHED);
        assertThat(Applicability.Verdict.BUILD_NOT_AFFECTED.mustBeInForce()).isFalse();
        assertThat(Applicability.Verdict.PATCHED.mustBeInForce()).isFalse();
    }

    /** A real agent reports what it could not read as unknown: that must never remove a mitigation. */
    @Test
    void whatTheAgentCouldNotReadCountsAsAffectedAndNotPatched() {
        assertThat(verdict("not-a-build")).isEqualTo(Applicability.Verdict.UNKNOWN_BUILD);
        var unread = TestData.server("t", "s", "15.2.986.5", List.of());
        unread.setBuild(null);
        unread.setInstalledUpdates(null);
        assertThat(Applicability.of(m11, unread)).isEqualTo(Applicability.Verdict.UNKNOWN_BUILD);
        assertThat(Applicability.of(m11, unread).mustBeInForce()).isTrue();
        var updatesUnread = TestData.server("t", "s", "15.2.986.36", List.of());
        updatesUnread.setInstalledUpdates(null);
        assertThat(Applicability.of(m11, updatesUnread)).as("the build alone still decides").isEqualTo(Applicability.Verdict.BUILD_NOT_AFFECTED);
    }

    @Test
    void buildNumbersCompareAsNumbersNotText() {
        assertThat(BuildNumber.parse("15.2.986.5")).isLessThan(BuildNumber.parse("15.2.1118.0"));
        assertThat(BuildNumber.parse("15.2")).isEqualTo(BuildNumber.parse("15.2.0.0"));
    }
}
