package io.tourniquet.audit.webhook;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP endpoint for the webhook: answers 503 to the first request, then 200; keeps what it received. */
public class WebhookReceiver implements QuarkusTestResourceLifecycleManager {

    /** A request as received. */
    public record Received(String signature, String body) {
    }

    static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    static final AtomicInteger REQUESTS = new AtomicInteger();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = REQUESTS.incrementAndGet() == 1 ? 503 : 200;
            if (status == 200) {
                RECEIVED.add(new Received(exchange.getRequestHeaders().getFirst(Webhooks.SIGNATURE_HEADER), body));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        return Map.of(
                "tourniquet.audit.webhooks.soc.tenant", "hooked",
                "tourniquet.audit.webhooks.soc.url", "http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
                "tourniquet.audit.webhooks.soc.secret", "s3cret",
                "tourniquet.audit.webhooks.soc.types", "agent.failed,decision.halted",
                "tourniquet.audit.webhook-retry-base", "100ms");
    }

    @Override
    public void stop() {
        server.stop(0);
    }
}
