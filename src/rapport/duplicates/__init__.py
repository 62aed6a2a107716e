"""Duplicate detection (PLT-15, SAL-20): rules, company-name and phone normalization, stored match
codes, the entry check, bulk detection jobs."""
