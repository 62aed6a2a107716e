"""The generic REST API (API.md), generated from the registry."""
