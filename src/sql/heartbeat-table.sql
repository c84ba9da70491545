-- {{qualified}}: Debezium's heartbeat (heartbeat.action.query updates its one row). It is in the
-- publication, so each heartbeat reaches the slot and lets it advance while the captured tables are quiet.
CREATE SCHEMA IF NOT EXISTS {{schema}};
CREATE TABLE IF NOT EXISTS {{qualified}} (id integer PRIMARY KEY, beat_at timestamptz NOT NULL DEFAULT now());
INSERT INTO {{qualified}} (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
