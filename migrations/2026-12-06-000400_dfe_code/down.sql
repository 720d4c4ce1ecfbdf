ALTER TABLE authorities DROP COLUMN dfe_code;
