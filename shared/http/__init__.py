"""The HTTP layer every service shares: the error shape and its languages (problems, messages),
the request guard (sizes, JSON), rate limits, browser policy (CORS, security headers) and the
local API docs. ``shared.web.build_app`` wires them; docs/api.md describes them for API users
and, under "For service authors", for the services."""
