DROP INDEX missing_episodes_rhi_held;
