"""The service's own tests: run with `uv run pytest`."""
