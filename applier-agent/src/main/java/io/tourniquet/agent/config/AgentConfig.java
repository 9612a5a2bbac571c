package io.tourniquet.agent.config;

import java.net.URI;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@ConfigMapping(prefix = "tourniquet.agent")
public interface AgentConfig {

    /** The tenant this agent belongs to; it reads only that tenant's command topic. */
    String tenant();

    /** The server(s) this process acts for: one on a real server, many in the simulated fleet. */
    List<String> servers();

    /** Public key(s) of the policy service (X.509 PEM files); more than one while a key is rotated. */
    List<Path> policyPublicKeyFiles();

    /**
     * Public key(s) of the feed publisher (the feed-ingestor), X.509 PEM: the second authority. A command is executed
     * only if its definition carries a publisher signature that verifies with one of them.
     */
    List<Path> publisherPublicKeyFiles();

    /** The server group the policy addresses these servers by (e.g. "dag-eu", "edge"); none: the tenant's defaults apply. */
    Optional<String> serverGroup();

    /** Tags the policy can select these servers by (e.g. "canary", "internet-facing"). */
    Optional<List<String>> tags();

    /** iis, nginx or simulated. */
    @WithDefault("simulated")
    String backend();

    /**
     * Where the agent keeps what it applied and the last sequence of each server, so that a restart neither re-applies
     * nor forgets, and an old command replayed after a restart is refused. Always on disk: there is no memory-only mode.
     */
    Path stateDir();

    Simulated simulated();

    Drift drift();

    /** How often each server reports that it is alive (AgentHeartbeat). */
    @WithDefault("60s")
    Duration heartbeatInterval();

    /** How often each server reports its inventory again (build, updates, prerequisites, what is in force). */
    @WithDefault("15m")
    Duration inventoryInterval();

    interface Drift {
        /** How often what must be in force is re-read. */
        @WithDefault("5m")
        Duration checkInterval();

        /** Put back what drifted (true), or only report it (false). */
        @WithDefault("true")
        boolean correct();
    }

    Iis iis();

    Nginx nginx();

    interface Nginx {
        /** Where Tourniquet writes tourniquet-http.conf, tourniquet-server.conf, tourniquet-location.conf and its njs module. */
        @WithDefault("/etc/nginx/tourniquet")
        Path includeDir();

        @WithDefault("/usr/sbin/nginx")
        Path binary();

        /** The main configuration nginx runs with (checked with nginx -t, reloaded with nginx -s reload). */
        @WithDefault("/etc/nginx/nginx.conf")
        Path config();

        /** Where the running nginx answers on loopback; after each reload a probe request per new rule must be refused. */
        Optional<URI> probeUrl();

        /**
         * An Exchange page reached through this nginx (e.g. https://127.0.0.1/owa/): the X-OWA-Version header Exchange
         * sends with it is the build reported with the inventory. None: the build is reported unknown.
         */
        Optional<URI> exchangeUrl();

        /**
         * nginx's error log for the Exchange server block (at level error or finer): the requests the rules refused are
         * counted from it and reported with heartbeats. The agent needs read access (Debian: group adm).
         */
        @WithDefault("/var/log/nginx/error.log")
        Path errorLog();
    }

    Health health();

    /**
     * The server's own health endpoints, probed just before and after each mitigation is applied; the verdict goes
     * with the result and a regression on a canary halts the rollout. None configured: results say NOT_PROBED.
     */
    interface Health {
        /**
         * Name -> URL, e.g. tourniquet.agent.health.probes.owa=https://mail.contoso.com/owa/auth/logon.aspx, and ecp,
         * autodiscover (/autodiscover/autodiscover.xml), ews (/EWS/Exchange.asmx), activesync (/Microsoft-Server-ActiveSync).
         * Any status below 500 is an answer (401 is EWS's and ActiveSync's normal anonymous answer).
         */
        Map<String, URI> probes();

        /** How long one probe request may take. */
        @WithDefault("5s")
        Duration timeout();

        /** How long a probe that stopped answering after a change is asked again before it counts as regressed (IIS recycling). */
        @WithDefault("30s")
        Duration settle();
    }

    @WithDefault("30s")
    Duration kafkaTimeout();

    /**
     * How long a result may wait for the broker's acknowledgement. A result that cannot be reported ends the agent
     * (status 70) so that its service manager starts it again, and the restarted agent reports the stored result.
     */
    @WithDefault("60s")
    Duration reportTimeout();

    interface Iis {
        /** Each IIS site's web.config, by site name: tourniquet.agent.iis.site-configs."Default\ Web\ Site"=C:\\inetpub\\wwwroot\\web.config (in a .properties file a space in a key is escaped) */
        Map<String, Path> siteConfigs();

        /** The IIS URL Rewrite module, required by request-blocking mitigations. */
        @WithDefault("C:\\Windows\\System32\\inetsrv\\rewrite.dll")
        Path rewriteModule();

        /**
         * The W3C log directory of the site holding the rules (Default Web Site's: W3SVC1): the requests the rules
         * matched are counted from the mark each writes there, and reported with heartbeats.
         */
        @WithDefault("C:\\inetpub\\logs\\LogFiles\\W3SVC1")
        Path logDirectory();
    }

    interface Simulated {
        /** Exchange build reported by simulated servers. */
        @WithDefault("15.2.986.5")
        String build();

        Optional<List<String>> installedUpdates();

        /** Share of apply operations that fail (0..1), for testing failure paths. */
        @WithDefault("0")
        double failureRate();

        /** Time each apply takes after the change is made (as a real backend's verification would). */
        @WithDefault("0s")
        Duration applyLatency();
    }
}
