-- Every mitigation as the feed published it: when, for which CVEs, and CISA's KEV due date for them (exposure reports).
CREATE TABLE mitigation (
    mitigation_id  VARCHAR(64)   PRIMARY KEY,
    revision       INTEGER       NOT NULL,
    title          VARCHAR(1000) NOT NULL,
    cves           VARCHAR(4000) NOT NULL,
    published_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    first_published_at TIMESTAMP WITH TIME ZONE NOT NULL,
    withdrawn_at   TIMESTAMP WITH TIME ZONE,
    kev_cves       VARCHAR(4000) NOT NULL,
    kev_due_date   VARCHAR(10)
);
