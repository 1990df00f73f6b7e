"""Rule tests: side-by-side test files, the runner and the report writers."""
