"""Fixed-window request counters shared by every worker (Redis) or kept in process (embedded)."""
