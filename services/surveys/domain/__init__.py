"""The surveys' pure rules: no I/O, no clock (the time is always an argument).

One package rather than one ``domain.py``: the rules come in five parts that change for
different reasons and are read by different people, and together they are ~1 000 lines.

- ``skm``: the regulated questionnaire (nine elements U1..U9 on 1-4, the respondent profile's
  closed sets, the Krejcie-Morgan sample size), and the answer check.
- ``ikm``: the IKM arithmetic from stored counts (exact fractions, half-up rounding, grades);
  docs/ikm.md is its reader's guide.
- ``custom``: custom questionnaires (Likert, single, multi, text items) and their answer check.
- ``periods``: what a period code (``2026``, ``2026-Q1``...) means in dates and local days.
- ``profile``: the respondent profile as stored categories and as event categories.
- ``rules``: who may change a survey, which survey takes answers through which channel, when a
  response may be dated, what state an invitation is in.

Every rule that a request can break raises ``InvalidSurveyInput`` naming the field; the use
cases (``services.surveys.service``) turn it into the 422 the client sees.
"""
