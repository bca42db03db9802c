"""Domain-agnostic property-graph storage and analysis."""
