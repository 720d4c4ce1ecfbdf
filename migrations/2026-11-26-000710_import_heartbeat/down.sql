ALTER TABLE imports DROP COLUMN heartbeat_at;
