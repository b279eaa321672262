"""The reporter's routes: with the tracking code and the secret token (header
``X-Tracking-Token``), read the public timeline, reply, reopen, rate, or accept the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from services.complaints import views
from services.complaints.endpoints import ERRORS, Service
from services.complaints.schemas import BodyIn, CitizenView, DeviceIn, RateIn, ReopenIn
from shared.http.ratelimit import rate_limit

#: every route checks a tracking code and token: each call counts against ``token_check`` per
#: client address, so that tokens cannot be guessed by trying (429 with ``Retry-After``)
router = APIRouter(prefix="/v1/track", tags=["citizens"], dependencies=[rate_limit("token_check")])
Token = Annotated[str, Header(alias="X-Tracking-Token", min_length=8, max_length=200,
                              description="The token given when the complaint was filed.")]


@router.get("/{tracking_code}", response_model=CitizenView,
            summary="Follow a complaint (tracking code + token)", responses=ERRORS)
async def track(tracking_code: str, token: Token, svc: Service) -> CitizenView:
    return views.citizen_view(await svc.track(tracking_code=tracking_code, token=token))


@router.post("/{tracking_code}/reply", response_model=CitizenView,
             summary="Reply to the officers", responses=ERRORS)
async def reply(tracking_code: str, data: BodyIn, token: Token, svc: Service) -> CitizenView:
    return views.citizen_view(await svc.reply(tracking_code=tracking_code, token=token,
                                              body=data.body))


@router.post("/{tracking_code}/reopen", response_model=CitizenView,
             summary="Reopen within the window after resolution", responses=ERRORS)
async def reopen(tracking_code: str, data: ReopenIn, token: Token,
                 svc: Service) -> CitizenView:
    return views.citizen_view(await svc.reopen(tracking_code=tracking_code, token=token,
                                               reason=data.reason))


@router.post("/{tracking_code}/rate", response_model=CitizenView,
             summary="Rate the handling (1-5) after resolution", responses=ERRORS)
async def rate(tracking_code: str, data: RateIn, token: Token, svc: Service) -> CitizenView:
    return views.citizen_view(await svc.rate(tracking_code=tracking_code, token=token,
                                             score=data.score, comment=data.comment))


@router.put("/{tracking_code}/device", status_code=204, response_class=Response,
            summary="Register the reporter's app (FCM token): messages go to it too",
            responses=ERRORS)
async def register_device(tracking_code: str, data: DeviceIn, token: Token,
                          svc: Service) -> Response:
    await svc.register_device(tracking_code=tracking_code, token=token,
                              push_token=data.push_token)
    return Response(status_code=204)


@router.delete("/{tracking_code}/device", status_code=204, response_class=Response,
               summary="Forget the reporter's app", responses=ERRORS)
async def forget_device(tracking_code: str, token: Token, svc: Service) -> Response:
    await svc.register_device(tracking_code=tracking_code, token=token, push_token=None)
    return Response(status_code=204)


@router.post("/{tracking_code}/accept", response_model=CitizenView,
             summary="Accept the answer and close the complaint", responses=ERRORS)
async def accept(tracking_code: str, token: Token, svc: Service) -> CitizenView:
    return views.citizen_view(await svc.accept(tracking_code=tracking_code, token=token))
