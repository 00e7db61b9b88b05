"""The operations the routers call: what a request does, queries included."""
