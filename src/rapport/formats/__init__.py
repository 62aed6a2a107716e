"""Locale format overrides (``FORMAT_MODULE_PATH``): where business usage differs from Django's defaults.

Chinese business documents, invoices and bank statements group money by thousands with commas
(¥1,234,567.89); Django's catalog leaves Chinese numbers ungrouped.
"""
