"""Routes without a staff token: the signed unsubscribe link (a page that works in a phone
browser, and RFC 8058 one-click POST) and the gateways' delivery reports (shared secret)."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from services.notifications.errors import invalid
from services.notifications.schemas import DeliveryReportIn
from services.notifications.service.messages import MessageService
from shared.auth import secrets_equal
from shared.deps import provide
from shared.errors import Unauthorized

router = APIRouter(prefix="/v1", tags=["public"])
PAGES = {
    True: ("Berhenti berlangganan berhasil", "Anda tidak akan menerima pesan jenis ini lagi.",
           "Unsubscribed", "You will not receive messages of this kind again."),
    False: ("Tautan tidak berlaku", "Tautan ini tidak dikenal atau sudah diubah.",
            "Invalid link", "This link is unknown or was altered."),
}


Messages = Annotated[MessageService, Depends(provide(MessageService))]
Key = Annotated[str, Query(alias="r", min_length=1, max_length=64)]
Kind = Annotated[str, Query(alias="k", min_length=1, max_length=64)]
Sig = Annotated[str, Query(alias="s", min_length=1, max_length=64)]


def _page(ok: bool) -> HTMLResponse:
    title_id, text_id, title_en, text_en = PAGES[ok]
    body = (f'<!doctype html><html lang="id"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title_id)}</title></head><body style=\"font-family: sans-serif; "
            f'max-width: 30em; margin: auto; padding: 1em"><h1>{escape(title_id)}</h1>'
            f"<p>{escape(text_id)}</p><hr><h2 lang=\"en\">{escape(title_en)}</h2>"
            f'<p lang="en">{escape(text_en)}</p></body></html>')
    return HTMLResponse(body, status_code=200 if ok else 400)


#: The citizen opens the link in a browser: every answer, an invalid link included, is a page.
_PAGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Opted out (a page)", "content": {"text/html": {}}},
    400: {"description": "The link is unknown or was altered (a page)",
          "content": {"text/html": {}}}}


@router.get("/unsubscribe", response_class=HTMLResponse, summary="Opt out of a message kind",
            responses=_PAGE_ANSWERS, openapi_extra={"x-own-errors": True})
async def unsubscribe_page(r: Key, k: Kind, s: Sig, svc: Messages) -> HTMLResponse:
    return _page(await svc.unsubscribe(recipient_key=r, kind=k, signature=s))


@router.post("/unsubscribe", response_class=HTMLResponse,
             summary="One-click opt-out (List-Unsubscribe-Post)",
             responses=_PAGE_ANSWERS, openapi_extra={"x-own-errors": True})
async def unsubscribe_post(r: Key, k: Kind, s: Sig, svc: Messages) -> HTMLResponse:
    return _page(await svc.unsubscribe(recipient_key=r, kind=k, signature=s))


@router.post("/providers/{channel}/dlr", summary="A gateway's delivery report",
             responses={401: {"description": "The delivery report's shared secret is missing "
                                             "or wrong"}})
async def delivery_report(channel: Literal["sms", "whatsapp"], request: Request,
                          svc: Messages,
                          x_suara_dlr_secret: Annotated[str | None, Header(max_length=200)]
                          = None,
                          secret: Annotated[str | None, Query(max_length=200)] = None,
                          ) -> JSONResponse:
    """JSON (``{"message_id" | "messageId" | "reference", "status"}``) or form-encoded; the
    shared secret in the ``X-Suara-DLR-Secret`` header or the ``secret`` query parameter."""
    expected = svc.settings.dlr_secret.get_secret_value()
    given = x_suara_dlr_secret or secret or ""
    if not secrets_equal(given, expected):
        raise Unauthorized("The delivery report's secret does not match.", code="bad_secret")
    if request.headers.get("content-type", "").startswith("application/json"):
        raw = await request.json()
    else:
        raw = dict(await request.form())
    report = DeliveryReportIn.model_validate(raw if isinstance(raw, dict) else {})
    if report.ref is None:
        raise invalid("message_id", "The delivery report names no message id.",
                      "missing_message_id")
    status = await svc.report_delivery(channel=channel, reference=report.ref,
                                       report=report.status)
    return JSONResponse({"status": status or "ignored"})
