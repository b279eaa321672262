"""The notifications service's pure rules (no I/O, no clock: the time is always an argument).

- ``messages``: a message's lifecycle, its retry schedule, quiet hours, daily digests, the
  dedupe window and the per-recipient rate limit;
- ``sms``: GSM-7 / UCS-2 segment counting, and fitting a body into two segments;
- ``webhooks``: the delivery schedule, event-type patterns, the SSRF address rules and the
  Standard Webhooks signature.
"""
