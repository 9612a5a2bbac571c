package io.tourniquet.feedtrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KevCatalogTest {

    static byte[] sample() throws Exception {
        try (InputStream in = KevCatalogTest.class.getClassLoader().getResourceAsStream("kev-sample.json")) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsCisasFormatAndIgnoresFieldsItAddsLater() throws Exception {
        var parsed = KevCatalog.parse(sample(), 1 << 20);
        assertThat(parsed.catalogVersion()).isEqualTo("2099.01.01");
        var kev = parsed.byCve();
        assertThat(kev).containsOnlyKeys("CVE-2022-41040", "CVE-2000-0001");
        var entry = kev.get("CVE-2022-41040");
        assertThat(entry.getDueDate()).isEqualTo("2099-01-22");
        assertThat(entry.getDateAdded()).isEqualTo("2099-01-01");
        assertThat(entry.getKnownRansomwareCampaignUse()).isEqualTo("Known");
        assertThat(entry.getCatalogVersion()).isEqualTo("2099.01.01");
    }

    @Test
    void rejectsWhatIsNotAKevCatalog() {
        assertThatThrownBy(() -> KevCatalog.parse("{\"catalogVersion\": \"1\"}".getBytes(StandardCharsets.UTF_8), 1000))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("vulnerabilities");
        assertThatThrownBy(() -> KevCatalog.parse("{\"catalogVersion\": \"1\", \"vulnerabilities\": [{\"cveID\": \"CVE-1\"}]}".getBytes(StandardCharsets.UTF_8), 1000))
                .isInstanceOf(InvalidFeedException.class).hasMessageContaining("invalid cveID");
        assertThatThrownBy(() -> KevCatalog.parse(new byte[2000], 1000)).isInstanceOf(InvalidFeedException.class).hasMessageContaining("too large");
    }
}
