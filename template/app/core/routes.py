"""The route template of a request: a log field and a metric label."""

from __future__ import annotations

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute
from starlette.types import Scope

# Each route's full path template, by the route's identity: the route keeps the path it
# was declared with ("/users/{user_id}"), without the prefixes it was included under.
# Entries hold their route, so no other object can take its id.
_ROUTE_PATHS: dict[int, tuple[BaseRoute, str]] = {}


def route_template(scope: Scope) -> str:
    """The matched route's full path template ("/api/v1/users/{user_id}").

    A template, never the path itself: it is a metric label and a log field, which must
    not grow with every user id or with a scan of random URLs.
    """
    route = scope.get("route")
    if route is None:
        return "<unmatched>"
    if id(route) not in _ROUTE_PATHS:
        for context in iter_route_contexts(scope["app"].routes):
            if context.path is not None:
                _ROUTE_PATHS[id(context.original_route)] = (context.original_route, context.path)
        # Not one of the application's own routes (a mounted application's): its path.
        own_path = getattr(route, "path", None)
        fallback = own_path if isinstance(own_path, str) else "<unmatched>"
        _ROUTE_PATHS.setdefault(id(route), (route, fallback))
    return _ROUTE_PATHS[id(route)][1]
