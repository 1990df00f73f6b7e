"""Rule documents: the model (Rule, RuleSet, Policy), the loader, YAML positions, the schema,
the shipped files, and the compiler from a rule document to engine nodes."""
