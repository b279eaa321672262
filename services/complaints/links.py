"""The public links citizens' messages carry (docs/notifications.md, "What producers send").

- the tracking page, ``{public_url}/lacak#c=<code>``; the first message, sent right after
  filing, adds ``&t=<token>``: the only one that can, since this service keeps only the
  token's hash. The fragment never reaches a server (so never a server log);
- the rating link, the tracking page opened on its rating form (``&do=rate``);
- the one-time survey link, ``{surveys_public_url}/v1/invitations/<token>``, whose token this
  service draws at the first resolution (docs/surveys.md, "Invitation links").
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from services.complaints.settings import ComplaintsSettings

TRACKING_PAGE = "/lacak"


@dataclass(frozen=True)
class Links:
    base: str
    surveys_base: str
    survey_ttl_days: int

    @classmethod
    def of(cls, settings: ComplaintsSettings) -> Links:
        return cls(base=settings.public_url.rstrip("/"),
                   surveys_base=settings.surveys_public_url.rstrip("/"),
                   survey_ttl_days=settings.surveys_invitation_ttl_days)

    def tracking(self, code: str, token: str | None = None) -> str:
        url = f"{self.base}{TRACKING_PAGE}#c={quote(code, safe='-')}"
        return f"{url}&t={quote(token, safe='-_')}" if token else url

    def rating(self, code: str) -> str:
        return f"{self.tracking(code)}&do=rate"

    def survey(self, token: str) -> str:
        return f"{self.surveys_base}/v1/invitations/{token}"


@dataclass(frozen=True)
class SurveyToken:
    """A one-time survey link's token and what ``complaint.resolved`` carries of it."""

    token: str
    sha256: str

    @classmethod
    def draw(cls) -> SurveyToken:
        token = secrets.token_urlsafe(32)  # 43 characters, as docs/surveys.md asks
        return cls(token, hashlib.sha256(token.encode("ascii")).hexdigest())
