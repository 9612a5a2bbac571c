package io.tourniquet.agent.domain;

import io.tourniquet.schemas.crypto.SigningKey;
import java.util.Map;

/** Each hosted server's own signing key (its agent identity), by server id. */
public class AgentKeys {

    private final Map<String, SigningKey> keys;

    public AgentKeys(Map<String, SigningKey> keys) {
        this.keys = Map.copyOf(keys);
    }

    public SigningKey of(String serverId) {
        SigningKey key = keys.get(serverId);
        if (key == null) {
            throw new IllegalArgumentException("this agent does not serve " + serverId + ": it has no key for it");
        }
        return key;
    }
}
