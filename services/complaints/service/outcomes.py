"""The notifications service gave up on a push because FCM no longer knows the token (the app
was uninstalled, the token rotated): ``notification.failed`` with reason
``invalid_recipient``. The request's id is a uuid5 that cannot be reversed, so the push request
row written with it (``push_requests``) leads back to the complaint and to the hash of the
token it went to. The complaint's token is forgotten only if it is still that one: a token the
app registered since is kept. Runs in the consumer's unit of work (the inbox claim in the same
transaction, so a redelivered event is not handled twice)."""

from __future__ import annotations

from services.complaints import repository
from services.complaints.mapping import token_sha256
from shared.events.notifications import FailureReason, NotificationChannel, NotificationFailed
from shared.uow import UnitOfWork


async def forget_dead_push_token(uow: UnitOfWork, *, failed: NotificationFailed) -> bool:
    """Clear the complaint's push token the failed push went to; False when there is nothing
    to clear (another channel or reason, a request not ours or purged, a newer token)."""
    if (failed.channel is not NotificationChannel.PUSH
            or failed.reason is not FailureReason.INVALID_RECIPIENT):
        return False
    request = await repository.get_push_request(uow.conn, failed.notification_id)
    if request is None:
        return False
    complaint_id, digest = request
    record = await repository.get_complaint(uow.conn, complaint_id, lock=True)
    token = record.reporter_push_token if record else None
    if token is None or token_sha256(token) != digest:
        return False
    return await repository.clear_push_token(uow.conn, complaint_id, token=token)
