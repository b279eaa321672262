"""REST v1 for mobile apps and officers: intake, listing, reading, and each lifecycle step.

Routes parse, authorize, call one use case, choose the status and serialise (``views.py``);
they never open a connection.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from services.complaints import domain, sealing, views
from services.complaints.access import actor_for
from services.complaints.records import ListFilters
from services.complaints.schemas import (
    AttachmentIn,
    BodyIn,
    ComplaintCreate,
    ComplaintCreated,
    ComplaintPage,
    ComplaintRead,
    ForwardIn,
    NoteIn,
    RejectIn,
    VerifyIn,
)
from services.complaints.service import ComplaintService, ListQuery
from shared.auth import OptionalPrincipal, Principal, Role, require_roles
from shared.deps import provide
from shared.events.complaints import IntakeChannel
from shared.http.ratelimit import rate_limit
from shared.types import UtcTimestamp

router = APIRouter(prefix="/v1", tags=["complaints"])
STAFF = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
StaffPrincipal = Annotated[Principal, Depends(require_roles(*STAFF))]
Service = Annotated[ComplaintService, Depends(provide(ComplaintService))]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, forged or expired token"},
    404: {"description": "No such complaint (or not your agency's)"},
    409: {"description": "Not allowed from the complaint's current status"},
    422: {"description": "Invalid input; the field is named"}}


@router.post("/complaints", status_code=201, response_model=ComplaintCreated,
             summary="File a complaint (citizens need no account)",
             dependencies=[rate_limit("filing")],
             responses={200: {"description": "A retry: the first answer, replayed",
                              "model": ComplaintCreated}, **ERRORS})
async def file_complaint(
    data: ComplaintCreate, response: Response, svc: Service, principal: OptionalPrincipal,
    idempotency_key: Annotated[str | None, Header(min_length=sealing.MIN_KEY_LENGTH,
                                                  max_length=200)] = None,
) -> ComplaintCreated:
    """Files a complaint and returns its tracking code and a secret token (shown once).

    Retries are safe: send an `Idempotency-Key` header (a random secret of 16 to 200
    characters, e.g. a UUID), or a client-generated `id`. The same key with the same body
    returns the first answer (200), token included: the key is the proof that the caller is the
    client that filed. A retry by `id` alone returns the first answer with `token: null` (an id
    is no secret). An officer's key with another body is a 422; a citizen's key is scoped to the
    body it came with, so two apps that chose the same key never meet.
    An officer filing at a counter sends their bearer token; everyone else files as a citizen.
    """
    if principal is not None:
        actor = actor_for(principal)
    else:
        actor = domain.Actor(domain.Role.CITIZEN, f"citizen:{data.channel}")
        if data.channel is IntakeChannel.COUNTER:
            data = data.model_copy(update={"channel": IntakeChannel.WEB})
    receipt = await svc.file(data=data, actor=actor, idempotency_key=idempotency_key)
    response.status_code = 200 if receipt.replayed else 201
    return views.created(receipt)


@router.get("/complaints", response_model=ComplaintPage, summary="List and search (staff)",
            responses=ERRORS)
async def list_complaints(
    principal: StaffPrincipal, svc: Service,
    status: Annotated[list[domain.Status] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    agency: Annotated[str | None, Query(max_length=64)] = None,
    filed_from: Annotated[UtcTimestamp | None, Query(
        description="Filed at or after this instant: ISO 8601 with its offset "
                    "(2026-12-01T00:00:00+07:00)")] = None,
    filed_to: Annotated[UtcTimestamp | None, Query(
        description="Filed at or before this instant, with its offset")] = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(
        min_length=2, max_length=200,
        description="Text search in the title and description, or a tracking code. On "
                    "PostgreSQL a web-search query with Indonesian stemming (`jalan rusak`, "
                    "`\"lampu jalan\"`, `banjir -rob`, `pungli or suap`); on SQLite every "
                    "word must appear")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ComplaintPage:
    """Newest first, cursor-paginated, limited to the complaints your agency may see."""
    filters = ListFilters(status=[str(s) for s in status or ()],
                                     category_code=category, agency_id=agency,
                                     filed_from=filed_from, filed_to=filed_to, overdue=overdue,
                                     text=q)
    page = await svc.list_complaints(principal=principal, query=ListQuery(
        filters=filters, cursor=cursor, limit=limit))
    return ComplaintPage(items=[views.summary(c) for c in page.items],
                         next_cursor=page.next_cursor)


@router.get("/complaints/{complaint_id}", response_model=ComplaintRead,
            summary="One complaint with its timeline (staff)", responses=ERRORS)
async def read_complaint(complaint_id: str, principal: StaffPrincipal,
                         svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.read(principal=principal, complaint_id=complaint_id))


@router.post("/complaints/{complaint_id}/verify", response_model=ComplaintRead,
             summary="Verify (may set the complexity class)", responses=ERRORS)
async def verify(complaint_id: str, data: VerifyIn, principal: StaffPrincipal,
                 svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.verify(principal=principal, complaint_id=complaint_id,
                                             complexity=data.complexity, note=data.note))


@router.post("/complaints/{complaint_id}/reject", response_model=ComplaintRead,
             summary="Reject: not in scope, duplicate or incomplete", responses=ERRORS)
async def reject(complaint_id: str, data: RejectIn, principal: StaffPrincipal,
                 svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.reject(principal=principal, complaint_id=complaint_id,
                                             reason=data.reason, duplicate_of=data.duplicate_of,
                                             note=data.note))


@router.post("/complaints/{complaint_id}/forward", response_model=ComplaintRead,
             summary="Forward to an agency (disposisi)", responses=ERRORS)
async def forward(complaint_id: str, data: ForwardIn, principal: StaffPrincipal,
                  svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.forward(principal=principal, complaint_id=complaint_id,
                                              agency_id=data.agency_id, note=data.note))


@router.post("/complaints/{complaint_id}/start", response_model=ComplaintRead,
             summary="Start work (in progress)", responses=ERRORS)
async def start(complaint_id: str, data: NoteIn, principal: StaffPrincipal,
                svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.start(principal=principal, complaint_id=complaint_id,
                                            note=data.note))


@router.post("/complaints/{complaint_id}/respond", response_model=ComplaintRead,
             summary="Answer the citizen (public reply)", responses=ERRORS)
async def respond(complaint_id: str, data: BodyIn, principal: StaffPrincipal,
                  svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.respond(principal=principal, complaint_id=complaint_id,
                                              body=data.body))


@router.post("/complaints/{complaint_id}/resolve", response_model=ComplaintRead,
             summary="Mark resolved", responses=ERRORS)
async def resolve(complaint_id: str, data: NoteIn, principal: StaffPrincipal,
                  svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.resolve(principal=principal, complaint_id=complaint_id,
                                              note=data.note))


@router.post("/complaints/{complaint_id}/notes", response_model=ComplaintRead,
             summary="Add an internal note (never shown to the citizen)", responses=ERRORS)
async def add_note(complaint_id: str, data: BodyIn, principal: StaffPrincipal,
                   svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.add_note(principal=principal, complaint_id=complaint_id,
                                               body=data.body))


@router.post("/complaints/{complaint_id}/attachments", response_model=ComplaintRead,
             status_code=201, summary="Attach a file's metadata (staff)", responses=ERRORS)
async def add_attachment(complaint_id: str, data: AttachmentIn, principal: StaffPrincipal,
                         svc: Service) -> ComplaintRead:
    return views.staff_view(await svc.attach(principal=principal, complaint_id=complaint_id,
                                             attachment=data))
