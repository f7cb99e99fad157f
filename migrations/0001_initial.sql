-- Initial schema: workspaces and keys, devices with their simulated lock, access codes,
-- action attempts, events, and the durable job queue the worker claims from.

CREATE TABLE workspaces (
    workspace_id uuid PRIMARY KEY,
    name text NOT NULL,
    is_sandbox boolean NOT NULL,
    connected_account_id uuid NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
    api_key_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id) ON DELETE CASCADE,
    key_hash bytea NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT api_keys_key_hash_unique UNIQUE (key_hash)
);

-- A device row holds Seam's view (name, managed, pool switch, errors, warnings) and the
-- simulated lock's physical settings (online, slots, latency, injected failures).
CREATE TABLE devices (
    device_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id) ON DELETE CASCADE,
    seed_name text NOT NULL,
    device_type text NOT NULL,
    name text NOT NULL,
    nickname text,
    -- Brand-specific, immutable properties rendered into `properties`.
    static_properties jsonb NOT NULL,
    capabilities_supported text[] NOT NULL,
    custom_metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    location jsonb,
    is_managed boolean NOT NULL DEFAULT true,
    online boolean NOT NULL DEFAULT true,
    removed boolean NOT NULL DEFAULT false,
    locked boolean NOT NULL DEFAULT true,
    supported_code_lengths integer[] NOT NULL DEFAULT '{}',
    max_active_codes_supported integer NOT NULL DEFAULT 0,
    supports_backup_access_code_pool boolean NOT NULL DEFAULT false,
    backup_access_code_pool_enabled boolean NOT NULL DEFAULT false,
    -- Simulation knobs.
    -- NULL: the configured default latency.
    sim_latency_ms integer,
    sim_fail_next_attempts integer NOT NULL DEFAULT 0,
    -- Pool bookkeeping: did the last refill attempt fail, and why.
    pool_refill_failure text,
    errors jsonb NOT NULL DEFAULT '[]'::jsonb,
    warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL,
    CONSTRAINT devices_workspace_seed_name_unique UNIQUE (workspace_id, seed_name)
);
CREATE INDEX devices_workspace_created_idx ON devices (workspace_id, created_at, device_id);

-- Every code known for a device: managed, unmanaged, primary and backup. A row disappears
-- once the code has been removed from the lock.
CREATE TABLE access_codes (
    access_code_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id) ON DELETE CASCADE,
    device_id uuid NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    name text,
    code text NOT NULL,
    common_code_key text,
    starts_at timestamptz,
    ends_at timestamptz,
    status text NOT NULL,
    is_managed boolean NOT NULL DEFAULT true,
    is_backup boolean NOT NULL DEFAULT false,
    -- For a pulled backup: the original it serves. Unique: one backup per original.
    backup_for_access_code_id uuid,
    pulled_at timestamptz,
    is_external_modification_allowed boolean NOT NULL DEFAULT false,
    is_one_time_use boolean NOT NULL DEFAULT false,
    is_offline_access_code boolean NOT NULL DEFAULT false,
    -- Desired-state bookkeeping for the reconciler.
    is_on_lock boolean NOT NULL DEFAULT false,
    needs_programming_since timestamptz,
    programming_failure text,
    pending_action_attempt_id uuid,
    errors jsonb NOT NULL DEFAULT '[]'::jsonb,
    warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL,
    CONSTRAINT access_codes_device_code_unique UNIQUE (device_id, code),
    CONSTRAINT access_codes_backup_for_unique UNIQUE (backup_for_access_code_id),
    CONSTRAINT access_codes_backup_for_only_backups CHECK (backup_for_access_code_id IS NULL OR is_backup),
    CONSTRAINT access_codes_status_valid CHECK (status IN ('setting', 'set', 'unset', 'removing', 'unknown'))
);
CREATE INDEX access_codes_device_created_idx ON access_codes (device_id, created_at, access_code_id);
CREATE INDEX access_codes_workspace_created_idx ON access_codes (workspace_id, created_at, access_code_id);
CREATE INDEX access_codes_ready_backups_idx ON access_codes (device_id, created_at)
    WHERE is_backup AND backup_for_access_code_id IS NULL;

CREATE TABLE action_attempts (
    action_attempt_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id) ON DELETE CASCADE,
    action_type text NOT NULL,
    status text NOT NULL,
    result jsonb,
    error jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT action_attempts_status_valid CHECK (status IN ('pending', 'success', 'error'))
);
CREATE INDEX action_attempts_workspace_created_idx ON action_attempts (workspace_id, created_at, action_attempt_id);

CREATE TABLE events (
    event_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id) ON DELETE CASCADE,
    event_type text NOT NULL,
    device_id uuid,
    access_code_id uuid,
    -- The whole event object as served, including the ids above.
    body jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    seq bigserial NOT NULL
);
CREATE INDEX events_workspace_created_idx ON events (workspace_id, created_at, seq);

-- Durable wake-ups for the per-device reconciler. Rows are inserted freely (no conflicts
-- with a running job); the worker that reconciles a device deletes every row of it that no
-- other worker holds and leaves at most one row for the device's next timed boundary.
CREATE TABLE device_jobs (
    job_id bigserial PRIMARY KEY,
    device_id uuid NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
    run_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX device_jobs_run_at_idx ON device_jobs (run_at);
CREATE INDEX device_jobs_device_idx ON device_jobs (device_id);
