\ir _shared.psql
SELECT r.child_id AS series_id, r.id AS event_id, r.held_on AS event_on,
       least(cl.closed_on, (c.birth_month + interval '25 years')::date) AS stop_on,
       r.child_id, r.team, r.worker_id, :own_limit
FROM care_leaver_reviews r
LEFT JOIN children c ON c.la_code = r.la_code AND c.id = r.child_id
LEFT JOIN LATERAL (SELECT min(z.held_on) AS closed_on FROM care_leaver_reviews z
                   WHERE z.la_code = r.la_code AND z.child_id = r.child_id AND z.kind = 'closed') cl ON true
WHERE r.la_code = :'la' AND r.kind IN ('pathway_plan', 'review');
