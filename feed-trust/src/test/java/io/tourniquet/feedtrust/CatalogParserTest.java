package io.tourniquet.feedtrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tourniquet.schemas.BlockRequests;
import io.tourniquet.schemas.BlockResponse;
import io.tourniquet.schemas.RewriteResponseHeader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CatalogParserTest {

    private final CatalogParser parser = new CatalogParser(1024 * 1024);

    private static byte[] bundled() throws Exception {
        try (InputStream in = CatalogParserTest.class.getClassLoader().getResourceAsStream(BundledCatalog.RESOURCE)) {
            return in.readAllBytes();
        }
    }

    @Test
    void bundledCatalogCarriesMicrosoftsRealM11Rule() throws Exception {
        var catalog = parser.parse(bundled());
        assertThat(catalog.definitions()).extracting(d -> d.getId()).contains("PING1", "M1.1", "EOMT1", "M2.1");
        var m11 = catalog.definitions().stream().filter(d -> d.getId().equals("M1.1")).findFirst().orElseThrow();
        assertThat(m11.getCves()).contains("CVE-2022-41040");
        BlockRequests rule = (BlockRequests) m11.getActions().get(0);
        assertThat(rule.getRuleName()).isEqualTo("EEMS M1.1 PowerShell - inbound");
        assertThat(rule.getMatchUrl()).isEqualTo(".*");
        assertThat(rule.getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getInput()).isEqualTo("{UrlDecode:{REQUEST_URI}}");
            assertThat(c.getPattern()).isEqualTo("(?=.*autodiscover)(?=.*powershell)");
            assertThat(c.getIgnoreCase()).isTrue();
        });
        assertThat(rule.getResponse()).isEqualTo(BlockResponse.ABORT_REQUEST);
        var m21 = catalog.definitions().stream().filter(d -> d.getId().equals("M2.1")).findFirst().orElseThrow();
        assertThat(((RewriteResponseHeader) m21.getActions().get(0)).getAppendValue()).isEqualTo("script-src-attr 'none'");
    }

    @Test
    void rejectsUnknownFieldsAndActionTypes() throws Exception {
        String withUnknownField = new String(bundled(), StandardCharsets.UTF_8).replace("\"revision\": 1,", "\"revision\": 1, \"script\": \"rm -rf /\",");
        assertThatThrownBy(() -> parser.parse(withUnknownField.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("script");
        String withUnknownAction = new String(bundled(), StandardCharsets.UTF_8).replace("\"type\": \"heartbeat\"", "\"type\": \"runPowerShell\"");
        assertThatThrownBy(() -> parser.parse(withUnknownAction.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("runPowerShell");
    }

    @Test
    void rejectsOversizedMalformedAndInvalidDocuments() {
        assertThatThrownBy(() -> new CatalogParser(10).parse("{\"feedId\":\"x\"}   ".getBytes()))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("too large");
        assertThatThrownBy(() -> parser.parse("{\"feedId\":".getBytes()))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("malformed");
        assertThatThrownBy(() -> parser.parse("""
                {"feedId":"f","version":"1","mitigations":[{"id":"X1","revision":1,"title":"t","product":"Exchange",
                 "actions":[{"type":"blockRequests","ruleName":"r","conditions":[{"input":"{URL}","pattern":"(unclosed"}]}]}]}
                """.getBytes()))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("invalid pattern");
        assertThatThrownBy(() -> parser.parse("""
                {"feedId":"f","version":"1","mitigations":[{"id":"X1","revision":1,"title":"t","product":"Exchange","actions":[]}]}
                """.getBytes()))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("no actions");
    }

    /** What would reach a web.config or hang a regex engine is refused at the door (the agent checks again). */
    @Test
    void rejectsControlCharactersAndPatternsThatBacktrackCatastrophically() {
        assertThatThrownBy(() -> parser.parse("""
                {"feedId":"f","version":"1","mitigations":[{"id":"X1","revision":1,"title":"t","product":"Exchange",
                 "actions":[{"type":"blockRequests","ruleName":"r\\u0007","conditions":[{"input":"{URL}","pattern":"x"}]}]}]}
                """.getBytes()))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("X1").hasMessageContaining("U+0007");
        assertThatThrownBy(() -> parser.parse("""
                {"feedId":"f","version":"1","mitigations":[{"id":"X1","revision":1,"title":"t","product":"Exchange",
                 "actions":[{"type":"blockRequests","ruleName":"r","conditions":[{"input":"{URL}","pattern":"(a+)+$"}]}]}]}
                """.getBytes()))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("exponential time");
    }
}
