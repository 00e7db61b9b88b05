"""Settings, logging, errors and request context."""
