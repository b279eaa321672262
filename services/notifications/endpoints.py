"""REST v1 for agencies' staff: webhook endpoints (their admins), the messages of a complaint,
template previews. Routes parse, authorize, call one use case, choose the status and serialise
its result (``views.py``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from services.notifications import views
from services.notifications.errors import invalid
from services.notifications.schemas import (
    AttemptRead,
    Erased,
    EraseIn,
    MessageRead,
    PreviewIn,
    PreviewRead,
    RecoverIn,
    Requeued,
    SecretRotated,
    TestSent,
    WebhookCreate,
    WebhookCreated,
    WebhookMessageRead,
    WebhookRead,
    WebhookUpdate,
)
from services.notifications.service.messages import MessageService
from services.notifications.service.webhooks import WebhookService
from shared.auth import Principal, Role, require_roles
from shared.deps import provide
from shared.errors import Forbidden

router = APIRouter(prefix="/v1", tags=["notifications"])
Manager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.SUPERVISOR))]
Reader = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.SUPERVISOR,
                                                    Role.AUDITOR))]
Staff = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR,
                                                   Role.OFFICER))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, forged or expired token"},
    403: {"description": "Not allowed for this role"},
    404: {"description": "No such endpoint (or not your agency's)"},
    422: {"description": "Invalid input; the field is named"}}


Webhooks = Annotated[WebhookService, Depends(provide(WebhookService))]
Messages = Annotated[MessageService, Depends(provide(MessageService))]


def scope(principal: Principal) -> str | None:
    """The agency whose endpoints the caller manages; None: a platform admin (all)."""
    if principal.agency_id is None:
        if Role.ADMIN in principal.roles:
            return None
        raise Forbidden("The token names no agency.", code="no_agency")
    return principal.agency_id


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, responses=ERRORS,
             summary="Subscribe an endpoint (the secret is shown once)")
async def create_webhook(data: WebhookCreate, principal: Manager,
                         svc: Webhooks) -> WebhookCreated:
    agency = scope(principal)
    if agency is None:
        if data.agency_id is None:
            raise invalid("agency_id", "A platform admin names the agency.", "agency_required")
        agency = data.agency_id
    elif data.agency_id not in (None, agency):
        raise invalid("agency_id", "You manage only your agency's endpoints.", "other_agency")
    return views.endpoint_created(await svc.create(agency_id=agency, data=data))


@router.get("/webhooks", response_model=list[WebhookRead], responses=ERRORS,
            summary="Your agency's endpoints")
async def list_webhooks(principal: Reader, svc: Webhooks) -> list[WebhookRead]:
    return [views.endpoint_read(e) for e in await svc.endpoints(agency_id=scope(principal))]


@router.get("/webhooks/{endpoint_id}", response_model=WebhookRead, responses=ERRORS)
async def get_webhook(endpoint_id: str, principal: Reader, svc: Webhooks) -> WebhookRead:
    return views.endpoint_read(await svc.get(endpoint_id=endpoint_id,
                                             agency_id=scope(principal)))


@router.patch("/webhooks/{endpoint_id}", response_model=WebhookRead, responses=ERRORS)
async def update_webhook(endpoint_id: str, data: WebhookUpdate, principal: Manager,
                         svc: Webhooks) -> WebhookRead:
    return views.endpoint_read(await svc.update(endpoint_id=endpoint_id,
                                                agency_id=scope(principal), data=data))


@router.post("/webhooks/{endpoint_id}/disable", response_model=WebhookRead, responses=ERRORS,
             summary="Stop deliveries (messages wait until it is enabled)")
async def disable_webhook(endpoint_id: str, principal: Manager, svc: Webhooks) -> WebhookRead:
    return views.endpoint_read(await svc.set_enabled(endpoint_id=endpoint_id,
                                                     agency_id=scope(principal), enabled=False))


@router.post("/webhooks/{endpoint_id}/enable", response_model=WebhookRead, responses=ERRORS,
             summary="Resume deliveries")
async def enable_webhook(endpoint_id: str, principal: Manager, svc: Webhooks) -> WebhookRead:
    return views.endpoint_read(await svc.set_enabled(endpoint_id=endpoint_id,
                                                     agency_id=scope(principal), enabled=True))


@router.delete("/webhooks/{endpoint_id}", status_code=204, responses=ERRORS)
async def delete_webhook(endpoint_id: str, principal: Manager, svc: Webhooks) -> Response:
    await svc.delete(endpoint_id=endpoint_id, agency_id=scope(principal))
    return Response(status_code=204)


@router.post("/webhooks/{endpoint_id}/rotate-secret", response_model=SecretRotated,
             responses=ERRORS, summary="New secret; the old one signs beside it for 24 h")
async def rotate_secret(endpoint_id: str, principal: Manager, svc: Webhooks) -> SecretRotated:
    return views.secret_rotated(await svc.rotate_secret(endpoint_id=endpoint_id,
                                                        agency_id=scope(principal)))


@router.post("/webhooks/{endpoint_id}/test", status_code=202, response_model=TestSent,
             responses=ERRORS, summary="Send a webhook.test event to this endpoint")
async def test_webhook(endpoint_id: str, principal: Manager, svc: Webhooks) -> TestSent:
    return TestSent(webhook_id=await svc.send_test(endpoint_id=endpoint_id,
                                                   agency_id=scope(principal)))


@router.get("/webhooks/{endpoint_id}/messages", response_model=list[WebhookMessageRead],
            responses=ERRORS, summary="Messages of the endpoint, newest first")
async def webhook_messages(endpoint_id: str, principal: Reader, svc: Webhooks,
                           status: Literal["pending", "succeeded", "failed"] | None = None,
                           limit: Annotated[int, Query(ge=1, le=500)] = 100,
                           ) -> list[WebhookMessageRead]:
    messages = await svc.messages(endpoint_id=endpoint_id, agency_id=scope(principal),
                                  status=status, limit=limit)
    return [views.webhook_message_read(m) for m in messages]


@router.get("/webhooks/{endpoint_id}/attempts", response_model=list[AttemptRead],
            responses=ERRORS, summary="Delivery attempts, newest first")
async def webhook_attempts(endpoint_id: str, principal: Reader, svc: Webhooks,
                           webhook_id: Annotated[str | None, Query(max_length=64)] = None,
                           limit: Annotated[int, Query(ge=1, le=500)] = 100,
                           ) -> list[AttemptRead]:
    attempts = await svc.attempts(endpoint_id=endpoint_id, agency_id=scope(principal),
                                  event_id=webhook_id, limit=limit)
    return [views.attempt_read(a) for a in attempts]


@router.post("/webhooks/{endpoint_id}/messages/{webhook_id}/replay", status_code=202,
             response_model=Requeued, responses=ERRORS, summary="Send one message again")
async def replay_message(endpoint_id: str, webhook_id: str, principal: Manager,
                         svc: Webhooks) -> Requeued:
    return Requeued(requeued=await svc.replay(endpoint_id=endpoint_id,
                                              agency_id=scope(principal), event_id=webhook_id))


@router.post("/webhooks/{endpoint_id}/recover", status_code=202, response_model=Requeued,
             responses=ERRORS, summary="Send again every message that failed since a time")
async def recover(endpoint_id: str, data: RecoverIn, principal: Manager,
                  svc: Webhooks) -> Requeued:
    return Requeued(requeued=await svc.recover(endpoint_id=endpoint_id,
                                               agency_id=scope(principal), since=data.since))


# -- messages ------------------------------------------------------------------------------


@router.get("/complaints/{complaint_id}/notifications", response_model=list[MessageRead],
            responses=ERRORS, summary="A complaint's messages and their status (no address)")
async def complaint_messages(complaint_id: str, principal: Staff,
                             svc: Messages) -> list[MessageRead]:
    messages = await svc.of_complaint(complaint_id=complaint_id, agency_id=principal.agency_id,
                                      admin=Role.ADMIN in principal.roles)
    return [views.message_read(m) for m in messages]


@router.post("/templates/{kind}/preview", response_model=PreviewRead, responses=ERRORS,
             summary="Render a template with sample values (admins)")
async def preview(kind: str, data: PreviewIn, principal: Admin, svc: Messages) -> PreviewRead:
    return views.preview_read(svc.preview(kind=kind, locale=str(data.locale),
                                          variables=data.variables, timezone=data.timezone))


@router.post("/erasures", response_model=Erased, responses=ERRORS,
             summary="Erase a recipient's contact data now (admins)")
async def erase(data: EraseIn, principal: Admin, svc: Messages) -> Erased:
    return Erased(erased=await svc.erase(recipient=data.recipient))
