"""The notifications use cases: ``messages`` (citizens and officers) and ``webhooks``
(endpoints and deliveries). Typed, keyword-only, clock injected; each opens one unit of work
(or is handed the consumer's) and returns a result object."""
