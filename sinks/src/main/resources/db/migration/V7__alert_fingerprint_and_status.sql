-- Vigil schema v7: every alert transition carries its series' stable fingerprint and its status.
--
-- fingerprint: the same rule and series always give the same value, in every run and on Redis, so
-- receivers (Alertmanager webhooks, chat, paging) can group and deduplicate. It is the first 16 hex
-- digits of SHA-256 over rule, type, service and name joined by NUL bytes: AlertEvent.fingerprint in
-- the job, vigil_alert_fingerprint here (for the rows written before v7, and for any writer that
-- leaves the column out, such as a job of an earlier version).
-- status: 'firing' for firing and escalated, 'resolved' for resolved, as Alertmanager says it.

CREATE FUNCTION vigil_alert_fingerprint(rule text, type text, service text, name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT left(encode(sha256(textsend(rule) || '\x00'::bytea || textsend(type) || '\x00'::bytea
                || textsend(service) || '\x00'::bytea || textsend(name)), 'hex'), 16)
$$;

ALTER TABLE alerts ADD COLUMN fingerprint text, ADD COLUMN status text;

UPDATE alerts SET fingerprint = vigil_alert_fingerprint(rule, type, service, name),
                  status = CASE WHEN event = 'resolved' THEN 'resolved' ELSE 'firing' END;

CREATE FUNCTION vigil_alerts_fill_fingerprint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.fingerprint := coalesce(NEW.fingerprint, vigil_alert_fingerprint(NEW.rule, NEW.type, NEW.service, NEW.name));
    NEW.status := coalesce(NEW.status, CASE WHEN NEW.event = 'resolved' THEN 'resolved' ELSE 'firing' END);
    RETURN NEW;
END
$$;

CREATE TRIGGER alerts_fill_fingerprint BEFORE INSERT ON alerts
    FOR EACH ROW EXECUTE FUNCTION vigil_alerts_fill_fingerprint();

ALTER TABLE alerts ALTER COLUMN fingerprint SET NOT NULL,
                   ALTER COLUMN status SET NOT NULL,
                   ADD CONSTRAINT alerts_status_check CHECK (status IN ('firing', 'resolved')),
                   ADD CONSTRAINT alerts_status_matches_event CHECK ((status = 'resolved') = (event = 'resolved'));

COMMENT ON COLUMN alerts.fingerprint IS
    'Stable id of the alert series (rule, type, service, name): 16 hex digits of SHA-256, the same in every run and on Redis.';
COMMENT ON COLUMN alerts.status IS 'firing (firing, escalated) or resolved, as Alertmanager receivers expect.';

CREATE INDEX alerts_fingerprint ON alerts (fingerprint, window_start);
