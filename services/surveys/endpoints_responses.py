"""REST v1: recording responses — online (public), invitation links (the link is the key) and
offline batches (JSON or CSV; officers, supervisors and admins of the survey's agency)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile

from services.surveys import batches, errors, invitations, management, recording, repository
from services.surveys.endpoints import QUESTIONNAIRE, runtime_of
from services.surveys.schemas import (
    BatchIn,
    BatchReport,
    InvitationRead,
    InvitationResponseCreate,
    ResponseCreate,
    ResponseRecorded,
)
from services.surveys.skm import InvalidSurveyInput
from shared.auth import Principal, Role, require_roles

router = APIRouter(prefix="/v1", tags=["responses"])
Staff = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.ADMIN))]
RECORD_ERRORS = {
    200: {"model": ResponseRecorded, "description": "Already recorded (a retry): nothing changed"},
    404: {"description": "Unknown survey"},
    409: {"description": "response_id holds another response, or the period is closed"},
    422: {"description": "Invalid answers, profile or date; `fields` names each one"},
}


class _Pairs(list):
    """A JSON object as its key/value pairs, to see duplicate keys."""


def _duplicates(node, path: tuple[str, ...] = ()) -> list[str]:
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
        raise errors.invalid([errors.FieldProblem(d, "given more than once")
                              for d in duplicates])


def _to_new(body) -> recording.NewResponse:
    try:
        return recording.to_new(body)
    except InvalidSurveyInput as exc:
        raise errors.from_domain(exc, prefix="profile.") from None


def _recorded(done: recording.Recorded, response: Response) -> ResponseRecorded:
    if done.replayed:
        response.status_code = 200
    return ResponseRecorded(response_id=done.response_id, survey_id=done.survey_id,
                            period=done.period, recorded_at=done.recorded_at,
                            replayed=done.replayed)


def _check_open_to(survey, channel: str) -> None:
    if survey.purpose == "post_complaint" and channel != "invitation":
        raise errors.invalid_field("survey_id", "a post-complaint survey is answered through "
                                   "its invitation links only")


@router.post("/surveys/{survey_id}/responses", status_code=201,
             response_model=ResponseRecorded, responses=RECORD_ERRORS,
             dependencies=[Depends(no_duplicate_keys)],
             summary="Record one response (public; idempotent by response_id)")
async def submit_response(survey_id: str, body: ResponseCreate, request: Request,
                          response: Response) -> ResponseRecorded:
    runtime = runtime_of(request)
    new = _to_new(body)
    async with runtime.unit_of_work() as uow:
        located = await recording.locate(uow, settings=runtime.settings, survey_id=survey_id,
                                         new=new)
        _check_open_to(located.survey, "online")
        done = await recording.record(uow, settings=runtime.settings, survey=located.survey,
                                      new=new, channel="online", located=located)
    return _recorded(done, response)


async def _batch(request: Request, principal: Principal, survey_id: str,
                 rows: list[tuple[int, dict]] | None, csv_text: str | None) -> BatchReport:
    runtime = runtime_of(request)
    async with runtime.unit_of_work() as uow:
        survey = await management.load_survey(uow, survey_id)
        management.authorize(principal, survey.agency_id)
        _check_open_to(survey, "batch")
        if csv_text is not None:
            rows = batches.parse_csv(csv_text, max_rows=runtime.settings.max_batch_rows)
        assert rows is not None
        return await batches.record_rows(uow, settings=runtime.settings, survey=survey,
                                         rows=rows)


@router.post("/surveys/{survey_id}/responses/batch", response_model=BatchReport,
             responses={404: {}, 403: {}, 422: {}}, dependencies=[Depends(no_duplicate_keys)],
             summary="Record an offline batch (JSON): good rows stored, a report per row")
async def submit_batch(survey_id: str, body: BatchIn, principal: Staff,
                       request: Request) -> BatchReport:
    limit = runtime_of(request).settings.max_batch_rows
    if len(body.rows) > limit:
        raise errors.invalid_field("rows", f"at most {limit} rows per batch",
                                   code="invalid_batch")
    return await _batch(request, principal, survey_id, list(enumerate(body.rows, 1)), None)


@router.post("/surveys/{survey_id}/responses/import", response_model=BatchReport,
             responses={404: {}, 403: {}, 422: {}},
             summary="Import offline responses from a CSV file (multipart field `file`)",
             description="Columns: " + ", ".join(batches.CSV_COLUMNS) + ". UTF-8, comma "
             "separated, one response per line; empty cells are 'not given'.")
async def import_csv(survey_id: str, principal: Staff, request: Request,
                     file: Annotated[UploadFile, File(description="The CSV file")]) -> BatchReport:
    raw = await file.read(batches.MAX_CSV_BYTES + 1)
    if len(raw) > batches.MAX_CSV_BYTES:
        raise errors.invalid_field("file", f"larger than {batches.MAX_CSV_BYTES} bytes",
                                   code="invalid_batch")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise errors.invalid_field("file", "is not UTF-8 text", code="invalid_batch") from None
    return await _batch(request, principal, survey_id, None, text)


# -- invitation links ---------------------------------------------------------------------------


@router.get("/invitations/{token}", response_model=InvitationRead,
            responses={404: {"description": "Unknown invitation"}}, tags=["invitations"],
            summary="Open an invitation link: its survey, questionnaire and status")
async def open_invitation(token: str, request: Request) -> InvitationRead:
    async with runtime_of(request).engine.connect() as conn:
        uow = repository.ReadOnly(conn)
        invitation = await invitations.load(uow, token)
        survey = await management.load_survey(uow, invitation.survey_id)
    return InvitationRead(
        survey_id=survey.id, title=survey.title,
        status=invitations.status(invitation, datetime.now(UTC)),
        expires_at=invitations.as_utc(invitation.expires_at), questionnaire=QUESTIONNAIRE)


@router.post("/invitations/{token}/responses", status_code=201,
             response_model=ResponseRecorded, tags=["invitations"],
             responses=RECORD_ERRORS | {410: {"description": "Already used or expired"}},
             dependencies=[Depends(no_duplicate_keys)],
             summary="Answer through an invitation link (once; a retry is a no-op)")
async def answer_invitation(token: str, body: InvitationResponseCreate, request: Request,
                            response: Response) -> ResponseRecorded:
    runtime = runtime_of(request)
    new = _to_new(body)
    async with runtime.unit_of_work() as uow:
        done = await invitations.answer(uow, settings=runtime.settings, token=token, new=new)
    return _recorded(done, response)
