package io.tourniquet.agent.backend.nginx;

import io.tourniquet.agent.backend.ServerFacts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the nginx backend reads for the inventory: nginx itself, and the Exchange build behind it. */
final class NginxInventory {

    static final String OWA_VERSION = "X-OWA-Version";
    private static final Pattern VERSION = Pattern.compile("nginx version: nginx/(\\S+)");
    private static final Pattern MODULE = Pattern.compile("--with-([a-z0-9_]+?)_module(=dynamic)?\\b");

    private final Optional<URI> exchangeUrl;
    private final HttpClient http;

    NginxInventory(Optional<URI> exchangeUrl, HttpClient http) {
        this.exchangeUrl = exchangeUrl;
        this.http = http;
    }

    /**
     * From what {@code nginx -V} printed: nginx -> its version, nginx-modules -> the modules it was built with (dynamic
     * ones marked so). Output that is not nginx's is reported unreadable.
     */
    static Map<String, String> components(String nginxV, Map<String, String> unreadable) {
        Map<String, String> components = new TreeMap<>();
        Matcher version = VERSION.matcher(nginxV);
        if (!version.find()) {
            unreadable.put("nginx", "nginx -V: no version in its output");
            return components;
        }
        components.put("nginx", version.group(1));
        TreeSet<String> modules = new TreeSet<>();
        Matcher module = MODULE.matcher(nginxV);
        while (module.find()) {
            modules.add(module.group(1) + (module.group(2) == null ? "" : " (dynamic)"));
        }
        components.put("nginx-modules", String.join(", ", modules));
        return components;
    }

    /** The build in the X-OWA-Version header of the configured Exchange page, or null with why in {@code unreadable}. */
    String exchangeBuild(Map<String, String> unreadable) {
        if (exchangeUrl.isEmpty()) {
            unreadable.put("build", "tourniquet.agent.nginx.exchange-url is not set, so the Exchange build behind this nginx is not read: "
                    + "reported unknown, every applicable mitigation stays in force");
            return null;
        }
        URI url = exchangeUrl.get();
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
            Optional<String> header = response.headers().firstValue(OWA_VERSION);
            if (header.isEmpty()) {
                unreadable.put("build", url + " answered " + response.statusCode() + " without an " + OWA_VERSION + " header");
                return null;
            }
            if (!ServerFacts.isBuild(header.get().strip())) {
                unreadable.put("build", url + " sent " + OWA_VERSION + " '" + header.get() + "', not a build number");
                return null;
            }
            return header.get().strip();
        } catch (IOException e) {
            unreadable.put("build", "cannot read " + url + ": " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unreadable.put("build", "interrupted while reading " + url);
            return null;
        }
    }
}
