"""The retry/fallback executor: the loops, the actions, backoff, keys, health, truncation,
workers, timing and the records of what it did."""
