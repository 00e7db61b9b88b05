"""Routers and their dependencies."""
