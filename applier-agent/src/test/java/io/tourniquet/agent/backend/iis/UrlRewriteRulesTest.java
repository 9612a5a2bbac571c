package io.tourniquet.agent.backend.iis;

import static io.tourniquet.agent.backend.iis.UrlRewriteRules.Deployment.UNMARKED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.RequestCondition;
import io.tourniquet.schemas.RewriteResponseHeader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/** Against the real Exchange 2019 web.config files in testdata/exchange/iis (see its README for provenance). */
class UrlRewriteRulesTest {

    private static final Path IIS = Path.of(System.getProperty("tourniquet.testdata.dir", "../testdata"), "exchange/iis");

    /** M1.1 as our catalog defines it. */
    static final BlockRequests M11 = BlockRequests.newBuilder()
            .setRuleName("EEMS M1.1 PowerShell - inbound").setSite("Default Web Site").setMatchUrl(".*").setMatchAll(true)
            .setConditions(List.of(new RequestCondition("{UrlDecode:{REQUEST_URI}}", "(?=.*autodiscover)(?=.*powershell)", true, false)))
            .setResponse(BlockResponse.ABORT_REQUEST).build();

    static final BlockRequests PROXYLOGON = BlockRequests.newBuilder()
            .setRuleName("X-BEResource Abort - inbound").setSite("Default Web Site").setMatchUrl(".*").setMatchAll(true)
            .setConditions(List.of(new RequestCondition("{HTTP_COOKIE}", "(.*)X-BEResource=(.+)/(.+)~(.+)", true, false)))
            .setResponse(BlockResponse.ABORT_REQUEST).build();

    private static String read(String file) throws Exception {
        return new String(Files.readAllBytes(IIS.resolve(file)), StandardCharsets.UTF_8);
    }

    private static void assertWellFormed(String xml) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.replace("\uFEFF", "").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void applyingM11GivesTheRuleExchangesEmServiceWroteAndKeepsTheRestOfTheFile() throws Exception {
        String original = read("DefaultWebSite_web.config");
        String applied = UrlRewriteRules.apply(original, M11, UNMARKED);

        assertWellFormed(applied);
        var emWrote = UrlRewriteRules.find(read("DefaultWebSite_web1.config"), "EEMS M1.1 PowerShell - inbound").orElseThrow();
        assertThat(UrlRewriteRules.find(applied, "EEMS M1.1 PowerShell - inbound")).contains(emWrote);
        assertThat(UrlRewriteRules.expected(M11)).isEqualTo(emWrote);
        // everything before the insertion is untouched, BOM included; the rule went where EM put it, before </configuration>
        String before = original.substring(0, original.lastIndexOf("</configuration>"));
        assertThat(applied).startsWith(before).endsWith("</configuration>\n");
        assertThat(applied.charAt(0)).isEqualTo('\uFEFF');
    }

    @Test
    void removingWhatWasAppliedRestoresTheOriginalByteForByte() throws Exception {
        for (String file : List.of("DefaultWebSite_web.config", "DefaultWebSite_web1.config", "DefaultWebSite_web2.config",
                "DefaultWebSite-OWA_web.config", "DefaultWebSite-PowerShell_web.config")) {
            String original = read(file);
            String applied = UrlRewriteRules.apply(original, PROXYLOGON, UNMARKED);
            assertThat(applied).as(file).isNotEqualTo(original);
            assertWellFormed(applied);
            assertThat(UrlRewriteRules.find(applied, PROXYLOGON.getRuleName())).as(file).contains(UrlRewriteRules.expected(PROXYLOGON));
            assertThat(UrlRewriteRules.remove(applied, PROXYLOGON.getRuleName())).as(file).isEqualTo(original);
        }
    }

    @Test
    void aNewRuleJoinsExistingRulesAndApplyingTwiceChangesNothing() throws Exception {
        String withRules = read("DefaultWebSite_web1.config");
        String applied = UrlRewriteRules.apply(withRules, PROXYLOGON, UNMARKED);
        assertThat(UrlRewriteRules.find(applied, "RequestBlockingRule1")).isPresent(); // the admin's own rule stays
        assertThat(applied.indexOf("X-BEResource Abort")).isGreaterThan(applied.indexOf("name=\"PowerShell - inbound\""));
        assertThat(UrlRewriteRules.apply(applied, PROXYLOGON, UNMARKED)).isEqualTo(applied);
        // EM's own M1.1 is already there: applying ours leaves an equivalent rule in its place
        assertThat(UrlRewriteRules.find(UrlRewriteRules.apply(withRules, M11, UNMARKED), M11.getRuleName())).contains(UrlRewriteRules.expected(M11));
    }

    @Test
    void aChangedRuleOfTheSameNameIsReplacedWhereItStands() throws Exception {
        String withRules = read("DefaultWebSite_web1.config");
        BlockRequests stricter = BlockRequests.newBuilder(M11).setConditions(List.of(
                new RequestCondition("{UrlDecode:{REQUEST_URI}}", "(?=.*autodiscover)(?=.*powershell)(?=.*x)", true, false))).build();
        String replaced = UrlRewriteRules.apply(withRules, stricter, UNMARKED);
        assertThat(UrlRewriteRules.find(replaced, M11.getRuleName())).contains(UrlRewriteRules.expected(stricter));
        assertThat(replaced.indexOf(M11.getRuleName())).isLessThan(replaced.indexOf("RequestBlockingRule1")); // still first
        assertThat(replaced.split("EEMS M1.1", -1)).hasSize(2); // one rule of that name
    }

    static final RewriteResponseHeader M21 = RewriteResponseHeader.newBuilder()
            .setRuleName("EEMS M2.1 OWA CSP - outbound").setSite("Default Web Site").setPathPattern("^/owa/")
            .setContentTypePattern("^text/html").setHeaderName("Content-Security-Policy").setAppendValue("script-src-attr 'none'").build();

    @Test
    void theM21OutboundRuleRewritesOwasCspHeaderAndComesOutCleanly() throws Exception {
        for (String file : List.of("DefaultWebSite_web.config", "DefaultWebSite_web1.config")) {
            String original = read(file);
            String applied = UrlRewriteRules.apply(original, M21);
            assertWellFormed(applied);
            var rule = UrlRewriteRules.findOutbound(applied, M21.getRuleName()).orElseThrow();
            assertThat(rule.serverVariable()).isEqualTo("RESPONSE_Content_Security_Policy");
            assertThat(rule.value()).isEqualTo("{R:1}; script-src-attr 'none'");
            assertThat(rule.conditions()).extracting(UrlRewriteRules.Condition::input).containsExactly("{REQUEST_URI}", "{RESPONSE_CONTENT_TYPE}");
            assertThat(UrlRewriteRules.find(applied, "RequestBlockingRule1").isPresent()).isEqualTo(file.endsWith("web1.config"));
            assertThat(UrlRewriteRules.apply(applied, M21)).isEqualTo(applied);
            assertThat(UrlRewriteRules.remove(applied, M21.getRuleName())).as(file).isEqualTo(original);
        }
        // inbound and outbound side by side, removed in either order
        String both = UrlRewriteRules.apply(UrlRewriteRules.apply(read("DefaultWebSite_web.config"), M11, UNMARKED), M21);
        assertThat(UrlRewriteRules.remove(UrlRewriteRules.remove(both, M11.getRuleName()), M21.getRuleName())).isEqualTo(read("DefaultWebSite_web.config"));
        assertThat(UrlRewriteRules.remove(UrlRewriteRules.remove(both, M21.getRuleName()), M11.getRuleName())).isEqualTo(read("DefaultWebSite_web.config"));
    }

    @Test
    void valuesAreEscapedAndConfigurationWithADoctypeIsRefused() {
        BlockRequests quoting = BlockRequests.newBuilder(PROXYLOGON).setRuleName("a \"quoted\" <rule> & more").build();
        String applied = UrlRewriteRules.apply("<configuration>\n</configuration>\n", quoting, UNMARKED);
        assertThat(UrlRewriteRules.find(applied, quoting.getRuleName())).map(UrlRewriteRules.Rule::name).contains(quoting.getRuleName());
        assertThatThrownBy(() -> UrlRewriteRules.apply("<!DOCTYPE x []><configuration/>", M11, UNMARKED)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Shadow mode: the same match, action None, no stopProcessing, and the mark; enforcing replaces it where it stands. */
    @Test
    void aLogOnlyRuleOnlyMarksAndTheEnforcingRuleReplacesItInPlace() throws Exception {
        String original = read("DefaultWebSite_web1.config");
        String logOnly = UrlRewriteRules.apply(original, M11, UrlRewriteRules.Deployment.logOnly("would-block:M1.1"));
        assertWellFormed(logOnly);
        var shadow = UrlRewriteRules.find(logOnly, M11.getRuleName()).orElseThrow();
        assertThat(shadow.action()).isEqualTo("None");
        assertThat(shadow.stopProcessing()).isFalse();
        assertThat(shadow.logMark()).isEqualTo("would-block:M1.1");
        assertThat(logOnly).contains("<set name=\"TOURNIQUET_RULE\" value=\"would-block:M1.1\" />");

        String enforcing = UrlRewriteRules.apply(logOnly, M11, UrlRewriteRules.Deployment.enforcing("blocked:M1.1"));
        var rule = UrlRewriteRules.find(enforcing, M11.getRuleName()).orElseThrow();
        assertThat(rule.logMark()).isEqualTo("blocked:M1.1");
        // marked, it still acts exactly as the rule Exchange's EM service wrote
        assertThat(rule.withoutLogMark()).isEqualTo(UrlRewriteRules.find(read("DefaultWebSite_web1.config"), M11.getRuleName()).orElseThrow());
        assertThat(enforcing.indexOf("EEMS M1.1")).isEqualTo(logOnly.indexOf("EEMS M1.1"));
        assertThat(enforcing.split("EEMS M1.1", -1)).hasSize(2);
        assertThat(UrlRewriteRules.remove(enforcing, M11.getRuleName())).isEqualTo(UrlRewriteRules.remove(original, M11.getRuleName()));
    }
}
