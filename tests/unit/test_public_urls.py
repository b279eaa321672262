"""Production refuses public URLs that reach nobody (shared.settings)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.complaints.settings import ComplaintsSettings
from services.surveys.settings import SurveysSettings

SECRET = "x" * 40


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8001", "https://localhost",
    "https://suara.localhost", "https://[::1]", "http://lapor.example.go.id",
    "https://0.0.0.0", "https://169.254.169.254"])
def test_production_refuses_a_local_or_plain_http_public_url(url: str) -> None:
    with pytest.raises(ValidationError, match="SUARA_COMPLAINTS_PUBLIC_URL"):
        ComplaintsSettings(environment="production", jwt_secret=SECRET, public_url=url,
                           surveys_public_url="https://survei.example.go.id")
    with pytest.raises(ValidationError, match="SURVEYS_PUBLIC_URL"):
        ComplaintsSettings(environment="production", jwt_secret=SECRET,
                           public_url="https://lapor.example.go.id", surveys_public_url=url)


def test_production_takes_a_public_https_url_and_development_anything() -> None:
    s = ComplaintsSettings(environment="production", jwt_secret=SECRET,
                           public_url="https://lapor.example.go.id",
                           surveys_public_url="https://survei.example.go.id")
    assert s.public_url.startswith("https://lapor.")
    assert ComplaintsSettings().public_url.startswith("http://127.0.0.1")


def test_the_check_covers_every_service_public_url() -> None:
    with pytest.raises(ValidationError, match="SUARA_SURVEYS_PUBLIC_URL"):
        SurveysSettings(environment="production", jwt_secret=SECRET,
                        invitation_secret=SECRET)  # default: http://127.0.0.1:8002
