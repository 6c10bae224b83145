"""Exports for each audience: BI (no raw identifiers) and supervisors (person-level evidence)."""
