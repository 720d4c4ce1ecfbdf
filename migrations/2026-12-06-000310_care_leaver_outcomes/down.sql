DROP TABLE care_leaver_outcomes;
