"""Business logic that is neither HTTP nor SQL plumbing."""
