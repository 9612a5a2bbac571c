package io.tourniquet.ingestor.service;

import io.tourniquet.feedtrust.SignedFeedVerifier;
import io.tourniquet.schemas.FeedVersionAccepted;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The last accepted version of each feed, as kept on the compacted tourniquet.feed-versions topic. */
@Singleton
public class FeedVersions {

    private final Map<String, SignedFeedVerifier.Accepted> accepted = new ConcurrentHashMap<>();

    public void record(Object event) {
        if (event instanceof FeedVersionAccepted v) {
            accepted.put(v.getFeedId(), new SignedFeedVerifier.Accepted(v.getVersion(), v.getPayloadDigest()));
        }
    }

    public Optional<SignedFeedVerifier.Accepted> last(String feedId) {
        return Optional.ofNullable(accepted.get(feedId));
    }

    public void forgetAll() {
        accepted.clear();
    }
}
