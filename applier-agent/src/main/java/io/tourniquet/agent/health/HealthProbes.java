package io.tourniquet.agent.health;

import io.tourniquet.schemas.HealthProbe;
import io.tourniquet.schemas.HealthStatus;
import io.tourniquet.schemas.HealthVerdict;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's own health endpoints (for Exchange: the OWA and ECP sign-in pages, Autodiscover, EWS, ActiveSync),
 * probed just before a mitigation is applied and again after. A probe answers when it gets any HTTP status below 500
 * (401 is Exchange's normal answer to an anonymous EWS or ActiveSync request); it regressed when it answered before
 * and does not after. After a change IIS recycles its applications, so a probe that does not answer is asked again
 * until it does or {@code settle} has passed. Nothing is undone because of a regression: it is reported, and the policy
 * halts the rollout.
 */
public final class HealthProbes {

    /** One endpoint: its name in reports (owa, ecp...) and its URL. */
    public record Probe(String name, URI url) {
    }

    public static final HealthProbes NONE = new HealthProbes(List.of(), Duration.ofSeconds(5), Duration.ZERO);

    private final List<Probe> probes;
    private final Duration timeout;
    private final Duration settle;
    private final HttpClient http;

    /**
     * @param timeout how long one probe request may take
     * @param settle  how long a probe that stopped answering is asked again before it counts as regressed
     */
    public HealthProbes(List<Probe> probes, Duration timeout, Duration settle) {
        this.probes = List.copyOf(probes);
        this.timeout = timeout;
        this.settle = settle;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Each probe's answer now (the HTTP status, or what failed), by name. */
    public Map<String, String> before() {
        Map<String, String> answers = new LinkedHashMap<>();
        probes.forEach(probe -> answers.put(probe.name(), ask(probe)));
        return answers;
    }

    /** Probes again and compares with {@code before}. */
    public HealthVerdict after(Map<String, String> before) {
        if (probes.isEmpty()) {
            return new HealthVerdict(HealthStatus.NOT_PROBED, List.of(), "no health probe configured (tourniquet.agent.health.probes)");
        }
        List<HealthProbe> results = new ArrayList<>();
        List<String> regressions = new ArrayList<>();
        for (Probe probe : probes) {
            String was = before.getOrDefault(probe.name(), "not probed");
            String now = answering(was) ? askUntilAnswered(probe) : ask(probe);
            boolean regressed = answering(was) && !answering(now);
            results.add(new HealthProbe(probe.name(), probe.url().toString(), was, now, regressed));
            if (regressed) {
                regressions.add("probe " + probe.name() + " (" + probe.url() + "): " + was + " before, " + now + " after");
            }
        }
        return regressions.isEmpty()
                ? new HealthVerdict(HealthStatus.HEALTHY, results, "every probe that answered before answers after (" + probes.size() + " probed)")
                : new HealthVerdict(HealthStatus.REGRESSED, results, String.join("; ", regressions));
    }

    private String askUntilAnswered(Probe probe) {
        long deadline = System.nanoTime() + settle.toNanos();
        String answer = ask(probe);
        while (!answering(answer) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(500); // IIS recycling its application after the change; bounded by settle
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return answer;
            }
            answer = ask(probe);
        }
        return answer;
    }

    static boolean answering(String answer) {
        return answer.matches("[1-4]\\d\\d");
    }

    private String ask(Probe probe) {
        try {
            return Integer.toString(http.send(HttpRequest.newBuilder(probe.url()).timeout(timeout).GET().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode());
        } catch (ConnectException e) {
            return "connection refused";
        } catch (HttpTimeoutException e) {
            return "no answer within " + timeout.toSeconds() + " s";
        } catch (IOException e) {
            return "failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
