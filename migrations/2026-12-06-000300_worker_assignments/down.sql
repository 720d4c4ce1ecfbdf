DROP TABLE worker_assignments;
