package io.tourniquet.agent.backend.windows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one PowerShell script (never anything a command carried: scripts are built by {@link WindowsActions} from the
 * closed vocabulary, with every name validated and quoted).
 */
public interface PowerShell {

    /** Exit code and output of a script. */
    record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    Result run(String script);

    /** powershell.exe on the Windows server, non-interactive, without the user's profile. */
    static PowerShell windows(Duration timeout) {
        return script -> {
            try {
                Process process = new ProcessBuilder(List.of("powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Restricted",
                        "-Command", script)).redirectErrorStream(true).start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    return new Result(-1, "timed out after " + timeout.toSeconds() + " s");
                }
                return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                return new Result(-1, "cannot run powershell.exe: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(-1, "interrupted");
            }
        };
    }
}
