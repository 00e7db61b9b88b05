"""Authentication, users and rate limits."""
