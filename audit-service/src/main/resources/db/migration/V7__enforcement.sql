-- Requests each mitigation's rules refused on each server (or would have, log-only), as its agent last counted them
-- with a heartbeat. Cumulative counts: each growth is also recorded in the tenant's chain as agent.blocked.
CREATE TABLE enforcement (
    tenant_id      VARCHAR(63)  NOT NULL,
    server_id      VARCHAR(253) NOT NULL,
    mitigation_id  VARCHAR(64)  NOT NULL,
    blocked        BIGINT       NOT NULL,
    would_block    BIGINT       NOT NULL,
    first_seen     TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen      TIMESTAMP WITH TIME ZONE NOT NULL,
    reported_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (tenant_id, server_id, mitigation_id)
);
