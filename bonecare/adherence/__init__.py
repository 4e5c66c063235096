"""Read-only summaries over the logs: today's progress and adherence. Owns no tables."""
