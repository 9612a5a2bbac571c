-- The reason is hashed into the chain whole, so it is stored whole: a reason cut to 4,000 characters made the
-- tenant's chain read as broken from that row on (long nginx or PowerShell error output was enough).
ALTER TABLE audit_event ALTER COLUMN reason SET DATA TYPE TEXT;
