DROP FUNCTION dw_data_versions();
