"""The browser interface: generic views generated from the registry (htmx, server-rendered)."""
