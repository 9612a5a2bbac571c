package io.tourniquet.policy.streams;

import io.tourniquet.policy.config.PolicyConfig;
import io.tourniquet.policy.domain.CommandFactory;
import io.tourniquet.schemas.crypto.CommandSigner;
import io.tourniquet.schemas.crypto.Ed25519Keys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.security.KeyPair;
import org.apache.kafka.streams.Topology;
import org.jboss.logging.Logger;

@ApplicationScoped
public class TopologyProducer {

    private static final Logger LOG = Logger.getLogger(TopologyProducer.class);

    @Inject
    PolicyConfig config;

    @Produces
    public Topology topology() {
        KeyPair keys = new KeyPair(Ed25519Keys.readPublic(config.signingPublicKeyFile()), Ed25519Keys.readPrivate(config.signingKeyFile()));
        CommandSigner signer = new CommandSigner(keys);
        LOG.infof("signing commands with key %s", signer.keyId());
        return PolicyTopology.build(new CommandFactory(signer, config.commandTtl()), config.recheckInterval(),
                config.fanOutServersPerTransaction());
    }
}
