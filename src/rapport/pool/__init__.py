"""Merge (PLT-16), the public customer pool and capacity rules (SAL-21, SAL-23)."""
