-- A background import's heartbeat: written when it starts and at least every 10 s while it
-- runs (with its progress). A queued or running import without one for a minute was
-- interrupted (the server stopped; its transaction rolled back) and the history shows it failed.
ALTER TABLE imports ADD COLUMN heartbeat_at timestamptz;
