"""REST v1: recording responses — online (public), invitation links (the link is the key) and
offline batches (JSON or CSV; officers, supervisors and admins of the survey's agency).

An invitation link is opened by people, in a phone browser: a ``GET`` whose ``Accept`` prefers
HTML gets the page (``pages``) in the same status as the JSON (200, 202 pending, 404), and the
page answers through the JSON route like any client."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse

from services.surveys import batch_csv, errors, pages, views
from services.surveys.domain.skm import InvalidSurveyInput
from services.surveys.endpoints import Service
from services.surveys.schemas import (
    BatchIn,
    BatchReport,
    InvitationRead,
    InvitationResponseCreate,
    ResponseCreate,
    ResponseRecorded,
)
from services.surveys.service import NewResponse, Recorded, to_new
from shared.auth import Principal, Role, require_roles
from shared.errors import NotFound
from shared.http.messages import negotiate
from shared.http.pages import PAGE_HEADERS, prefers_html
from shared.http.ratelimit import rate_limit

router = APIRouter(prefix="/v1", tags=["responses"])
Staff = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.ADMIN))]
RECORD_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"model": ResponseRecorded, "description": "Already recorded (a retry): nothing changed"},
    404: {"description": "Unknown survey"},
    409: {"description": "response_id holds another response, or the period is closed"},
    422: {"description": "Invalid answers, profile or date; `fields` names each one"},
}
BATCH_ERRORS: dict[int | str, dict[str, Any]] = {404: {}, 403: {}, 422: {}}
#: The invitation page, for a browser (``Accept`` preferring text/html): the same statuses.
PAGE = {"text/html": {"schema": {"type": "string"}}}
PageLang = Annotated[Literal["id", "en"] | None, Query(
    description="The page's language (browsers only; default: Accept-Language, then "
    "Indonesian). The JSON does not depend on it.")]


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs, to see duplicate keys."""


def _duplicates(node: object, path: tuple[str, ...] = ()) -> list[str]:
    found: list[str] = []
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, value in node:
            if key in seen:
                found.append(".".join((*path, key)))
            seen.add(key)
            found += _duplicates(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _duplicates(value, (*path, str(i)))
    return found


async def no_duplicate_keys(request: Request) -> None:
    """JSON parsers keep the last of two equal keys; an answer given twice is refused."""
    try:
        parsed = json.loads(await request.body(), object_pairs_hook=_Pairs)
    except ValueError:
        return  # request validation reports malformed JSON
    duplicates = _duplicates(parsed)
    if duplicates:
        raise errors.invalid([errors.FieldProblem(d, "given more than once", "given_twice")
                              for d in duplicates])


def _command(body: ResponseCreate | InvitationResponseCreate) -> NewResponse:
    try:
        return to_new(body)
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc, prefix="profile.") from None


def _answer(done: Recorded, response: Response) -> ResponseRecorded:
    if done.replayed:
        response.status_code = 200
    return views.recorded(done)


@router.post("/surveys/{survey_id}/responses", status_code=201,
             response_model=ResponseRecorded, responses=RECORD_ERRORS,
             dependencies=[Depends(no_duplicate_keys), rate_limit("survey_answer")],
             summary="Record one response (public; idempotent by response_id)")
async def submit_response(survey_id: str, body: ResponseCreate, service: Service,
                          request: Request, response: Response) -> ResponseRecorded:
    client = request.client.host if request.client else None
    done = await service.record_online(survey_id=survey_id, response=_command(body),
                                       client=client)
    return _answer(done, response)


@router.post("/surveys/{survey_id}/responses/batch", response_model=BatchReport,
             responses=BATCH_ERRORS, dependencies=[Depends(no_duplicate_keys)],
             summary="Record an offline batch (JSON): good rows stored, a report per row")
async def submit_batch(survey_id: str, body: BatchIn, principal: Staff,
                       service: Service) -> BatchReport:
    return views.batch_report(await service.record_batch(
        principal=principal, survey_id=survey_id, rows=body.rows))


@router.post("/surveys/{survey_id}/responses/import", response_model=BatchReport,
             responses=BATCH_ERRORS,
             summary="Import offline responses from a CSV file (multipart field `file`)",
             description="Columns: " + ", ".join(batch_csv.CSV_COLUMNS) + ". UTF-8, comma "
             "separated, one response per line; empty cells are 'not given'.")
async def import_csv(survey_id: str, principal: Staff, service: Service,
                     file: Annotated[UploadFile, File(description="The CSV file")]) -> BatchReport:
    raw = await file.read(batch_csv.MAX_CSV_BYTES + 1)
    if len(raw) > batch_csv.MAX_CSV_BYTES:
        raise errors.invalid_field("file", f"larger than {batch_csv.MAX_CSV_BYTES} bytes",
                                   "file_too_large", code="invalid_batch",
                                   params={"max": batch_csv.MAX_CSV_BYTES})
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise errors.invalid_field("file", "is not UTF-8 text", "not_utf8",
                                   code="invalid_batch") from None
    return views.batch_report(await service.import_csv(
        principal=principal, survey_id=survey_id, text=text))


# -- invitation links ---------------------------------------------------------------------------


@router.get("/invitations/{token}", response_model=InvitationRead, tags=["invitations"],
            responses={200: {"content": PAGE, "description": "The invitation (JSON), or its "
                             "page for a browser (Accept preferring text/html)"},
                       202: {"model": InvitationRead, "content": {"application/json": {},
                                                                  **PAGE},
                             "description": "Not active yet (status pending): try again after "
                             "Retry-After seconds"},
                       404: {"description": "Not an invitation link (malformed token)",
                             "content": PAGE}},
            dependencies=[rate_limit("token_check")],
            summary="Open an invitation link: its survey, questionnaire and status (a browser "
                    "gets the page to answer it)")
async def open_invitation(token: str, service: Service, request: Request, response: Response,
                          lang: PageLang = None) -> InvitationRead | Response:
    if prefers_html(request.headers.get("accept")):
        return await _invitation_page(token, service, request, lang)
    view = await service.open_invitation(token=token)
    response.headers["Vary"] = "Accept"
    if view.status == "pending":
        response.status_code = 202
        response.headers["Retry-After"] = str(view.retry_after_s)
    return views.invitation_read(view)


async def _invitation_page(token: str, service: Service, request: Request,
                           lang: Literal["id", "en"] | None) -> HTMLResponse:
    locale = (lang or negotiate(request.headers.get("accept-language"))
              or service.settings.default_locale)
    headers = PAGE_HEADERS | {"Content-Language": locale}
    try:
        view = await service.open_invitation(token=token)
    except NotFound:
        return HTMLResponse(pages.not_found_page(lang=locale), status_code=404, headers=headers)
    html = pages.invitation_page(view, lang=locale, now=service.clock(),
                                 timezone=service.settings.timezone)
    if view.status == "pending":
        return HTMLResponse(html, status_code=202,
                            headers=headers | {"Retry-After": str(view.retry_after_s)})
    return HTMLResponse(html, headers=headers)


@router.post("/invitations/{token}/responses", status_code=201,
             response_model=ResponseRecorded, tags=["invitations"],
             responses=RECORD_ERRORS | {
                 404: {"description": "Not an invitation link (malformed token)"},
                 409: {"description": "invitation_pending: not active yet, try again after "
                       "retry_after_s; or response_id holds another response"},
                 410: {"description": "Already used or expired"}},
             dependencies=[Depends(no_duplicate_keys), rate_limit("token_check")],
             summary="Answer through an invitation link (once; a retry is a no-op)")
async def answer_invitation(token: str, body: InvitationResponseCreate, service: Service,
                            response: Response) -> ResponseRecorded:
    done = await service.answer_invitation(token=token, response=_command(body))
    return _answer(done, response)
