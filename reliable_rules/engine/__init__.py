"""The classification engine: compiled nodes, generated deciders, the classifier, Retry-After
extractors. Rules in (already compiled), Decision out; it knows no files."""
