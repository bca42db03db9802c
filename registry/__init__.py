"""flowreg's domain: the registry of personal-data flows and the checks over it."""
