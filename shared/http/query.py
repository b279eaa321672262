"""Unknown query parameters are refused, never ignored (issue 8.10).

A parameter the route does not have answered as if the client had not sent it: ``?q=pungli``
listed every complaint, ``?satus=new`` every status. A client cannot tell a filter that does
not exist from one that matched everything, so every route of every service answers 422
``unknown_parameter`` naming each parameter it does not know. Routes whose protocol lets
clients send parameters a server may ignore (Open311 GeoReport v2: ``jurisdiction_id``,
``api_key``, extensions) opt out with ``openapi_extra={OPEN_QUERY: True}``; so do the routes
left out of the OpenAPI document (the docs pages).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared.errors import FieldError, Invalid

#: a route's ``openapi_extra`` key: its clients may send parameters it ignores
OPEN_QUERY = "x-suara-open-query"


_KNOWN = "_suara_known_query"  # the answer of known_parameters, kept on the route


def known_parameters(route: APIRoute) -> frozenset[str] | None:
    """The query parameters ``route`` reads (through its dependencies too), or None when it
    accepts any."""
    try:
        known: frozenset[str] | None = getattr(route, _KNOWN)
    except AttributeError:
        if not route.include_in_schema or (route.openapi_extra or {}).get(OPEN_QUERY):
            known = None
        else:
            known = frozenset(_query_names(route.dependant))
        setattr(route, _KNOWN, known)
    return known


def _query_names(dependant: Dependant) -> Iterator[str]:
    """The query parameter names of a dependant and its sub-dependencies, a query model's
    fields included."""
    for param in dependant.query_params:
        model = param.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            yield from (f.alias or name for name, f in model.model_fields.items())
        else:
            yield param.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


async def refuse_unknown_query(request: Request) -> None:
    """An app-level dependency: 422 naming every query parameter the route does not read."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known = known_parameters(route)
    if known is None:
        return
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    if not unknown:
        return
    allowed = ", ".join(sorted(known)) or "-"
    raise Invalid("Unknown query parameter", fields=[
        FieldError(name[:100], "unknown_parameter",
                   f"Unknown parameter; this route reads: {allowed}", {"allowed": allowed})
        for name in unknown])
