"""What rule authors and CI run: lint, diff, corpus scoring and rule tests."""
