-- Two writers (a job with parallelism 2, or the job and `vigil retention`) that need the same new
-- partition at the same moment: the second used to fail with "relation ... already exists" and retry its
-- whole batch on a new connection. It waited for the first on the advisory lock, then asked to_regclass
-- again, but to_regclass answers from the session's catalog cache, which an advisory lock does not
-- refresh: it still said "no such table". After the lock the check now reads pg_class with the
-- statement's own snapshot, which sees what the first writer committed; and a table that appears anyway
-- (a caller that holds an older snapshot) counts as created, not as an error.
CREATE OR REPLACE FUNCTION vigil_ensure_partition(parent text, ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    p record;
    default_part text := parent || '_default';
    stray boolean;
BEGIN
    SELECT * INTO p FROM vigil_partition_of(parent, ts);
    IF to_regclass(p.partition_name) IS NOT NULL THEN
        RETURN p.partition_name;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('vigil_partitions'));
    IF EXISTS (SELECT 1 FROM pg_class c
               WHERE c.relname = p.partition_name
                 AND c.relnamespace = (SELECT r.relnamespace FROM pg_class r WHERE r.oid = parent::regclass)) THEN
        RETURN p.partition_name;
    END IF;
    BEGIN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE window_start >= %L AND window_start < %L)',
                       default_part, p.lower_bound, p.upper_bound) INTO stray;
        IF NOT stray THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                           p.partition_name, parent, p.lower_bound, p.upper_bound);
        ELSE
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', p.partition_name, parent);
            EXECUTE format('WITH moved AS (DELETE FROM %I WHERE window_start >= %L AND window_start < %L RETURNING *) '
                           'INSERT INTO %I SELECT * FROM moved',
                           default_part, p.lower_bound, p.upper_bound, p.partition_name);
            EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           parent, p.partition_name, p.lower_bound, p.upper_bound);
        END IF;
        EXECUTE format('ALTER TABLE %I ALTER COLUMN latency_hist SET STORAGE MAIN', p.partition_name);
    EXCEPTION WHEN duplicate_table THEN
        NULL; -- created by a writer this caller's snapshot could not see yet: there it is
    END;
    RETURN p.partition_name;
END
$$;
