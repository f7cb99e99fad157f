-- Webhooks and their durable deliveries: a delivery row is queued in the transaction that
-- writes the event, and the sender works through due rows with a lease, so every event
-- reaches every matching webhook at least once, across restarts.

CREATE TABLE webhooks (
    webhook_id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (workspace_id) ON DELETE CASCADE,
    url text NOT NULL,
    event_types text[] NOT NULL,
    -- Signing secret (`whsec_` + base64); kept in clear because signing needs it.
    secret text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX webhooks_workspace_idx ON webhooks (workspace_id, created_at);

CREATE TABLE webhook_deliveries (
    delivery_id bigserial PRIMARY KEY,
    webhook_id uuid NOT NULL REFERENCES webhooks (webhook_id) ON DELETE CASCADE,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    -- `webhook-id` header: the same for every attempt of this delivery.
    message_id text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_response_status integer,
    last_error text,
    created_at timestamptz NOT NULL,
    delivered_at timestamptz,
    CONSTRAINT webhook_deliveries_status_valid CHECK (status IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_deliveries_once UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    attempt_id bigserial PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES webhook_deliveries (delivery_id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL,
    response_status integer,
    error text,
    duration_ms integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at);
