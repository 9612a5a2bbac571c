package io.tourniquet.agent.backend.nginx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The njs program the nginx backend ships (src/main/resources/nginx/tourniquet.js), checked by a real nginx. */
class NjsProgramTest {

    private static final Path NGINX = Path.of(System.getProperty("tourniquet.test.nginx", "/usr/sbin/nginx"));
    private static final Path NJS = Path.of("/usr/lib/nginx/modules/ngx_http_js_module.so");

    /** nginx -t on a configuration that imports the program and uses its block function; its output, or null if accepted. */
    private static String nginxTest(Path dir, String program) throws Exception {
        Files.writeString(dir.resolve("tourniquet.js"), program);
        Path config = dir.resolve("nginx.conf");
        Files.writeString(config, """
                load_module %s;
                %s
                pid %s/nginx.pid;
                error_log %s/error.log warn;
                events { worker_connections 8; }
                http {
                    js_path "%s";
                    js_import tourniquet from tourniquet.js;
                    js_set $tourniquet_block tourniquet.block;
                    server { listen 127.0.0.1:1; if ($tourniquet_block = "444") { return 444; } }
                }
                """.formatted(NJS, "root".equals(System.getProperty("user.name")) ? "user root;" : "", dir, dir, dir));
        Process test = new ProcessBuilder(NGINX.toString(), "-t", "-c", config.toString()).redirectErrorStream(true).start();
        String output = new String(test.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return test.waitFor() == 0 ? null : output;
    }

    @Test
    void theShippedProgramIsValidNjsAloneAndWithRules(@TempDir Path dir) throws Exception {
        assertThat(NGINX).as("nginx is installed (./tourniquet test installs it)").isExecutable();
        assertThat(NginxBackend.NJS_PROGRAM).contains(NginxBackend.RULES_MARKER).contains("export default { block: block, headers: headers };");
        assertThat(nginxTest(dir, NginxBackend.NJS_PROGRAM)).as("the file as shipped, with no rule").isNull();

        Map<String, Object> rule = Map.of("name", "EEMS M1.1 PowerShell - inbound", "matchUrl", ".*", "matchAll", true, "response", "444",
                "shadow", false, "conditions", List.of(Map.of("input", "{UrlDecode:{REQUEST_URI}}", "pattern", "(?=.*autodiscover)(?=.*powershell)",
                        "ignoreCase", true, "negate", false)));
        String withRule = NginxBackend.module(Map.of("M1.1", List.of(rule)));
        assertThat(withRule).doesNotContain(NginxBackend.RULES_MARKER).contains("\"EEMS M1.1 PowerShell - inbound\"");
        assertThat(nginxTest(dir, withRule)).isNull();
    }

    @Test
    void aProgramNjsCannotCompileIsRefusedByNginxT(@TempDir Path dir) throws Exception {
        assertThat(nginxTest(dir, NginxBackend.NJS_PROGRAM.replace("export default", "export defualt"))).isNotNull().contains("tourniquet.js");
    }
}
