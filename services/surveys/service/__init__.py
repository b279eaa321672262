"""The surveys service's use cases: ``SurveyService``, one object, split by use case.

Each public method is keyword-only, opens exactly one unit of work (a transaction for a
change, a read-only connection for a read), reads the time only from the injected clock, and
returns a result object — never a status code or a dict shaped for HTTP. The one exception to
"opens its unit of work" is the consumer's: ``invite_after_resolution`` runs in the unit of
work the bus opened for the event, so that the inbox claim commits with it.

- ``management``: create_survey, get_survey, list_surveys, open_period, set_population,
  close_period, change_questionnaire
- ``recording``: record_online (and ``record``, the one way any response is stored)
- ``invitations``: open_invitation, answer_invitation; and invite_after_resolution, the
  consumer's (a function: it runs in the bus's unit of work)
- ``batches``: record_batch, import_csv
- ``results``: survey_results, unit_results, survey_report, unit_report, item_results
- ``bursts``: list_bursts, set_burst_excluded; and purge, the background task's
"""

from services.surveys.service.base import Clock, utc_now
from services.surveys.service.batches import BatchResult, BatchUseCases, RowError, RowOutcome
from services.surveys.service.bursts import BurstUseCases, BurstView
from services.surveys.service.invitations import InvitationUseCases, InvitationView
from services.surveys.service.management import (
    ManagementUseCases,
    PeriodView,
    SurveyCreated,
    SurveyView,
)
from services.surveys.service.recording import NewResponse, Recorded, RecordingUseCases, to_new
from services.surveys.service.results import (
    ItemResults,
    ResultsUseCases,
    Scope,
    Segment,
    SkmReport,
    SkmResults,
)


class SurveyService(ManagementUseCases, RecordingUseCases, InvitationUseCases,
                    BatchUseCases, ResultsUseCases, BurstUseCases):
    """Every use case of the surveys service (built once, in ``app.create_app``)."""


__all__ = ["BatchResult", "BurstView", "Clock", "InvitationView", "ItemResults", "NewResponse",
           "PeriodView", "Recorded", "RowError", "RowOutcome", "Scope", "Segment",
           "SkmReport", "SkmResults", "SurveyCreated", "SurveyService", "SurveyView",
           "to_new", "utc_now"]
