"""The KPI service found that an agency missed a target when a period closed
(``kpi.target_missed.v1``): the agency's notification address is contact data kept here, so
this service, not KPI, asks the notifications service to tell the agency. Runs in the
consumer's unit of work (the inbox claim and the request are one transaction)."""

from __future__ import annotations

from services.complaints import repository
from services.complaints.mapping import target_missed
from shared.events import KpiTargetMissed
from shared.uow import UnitOfWork


async def tell_agency_of_missed_target(uow: UnitOfWork, *, missed: KpiTargetMissed,
                                       cause_id: str) -> bool:
    """Ask for the agency to be told; False when it has no notification address or is not
    in this catalogue."""
    agency = await repository.get_agency(uow.conn, missed.agency_id)
    if agency is None or not agency.notification_email:
        return False
    uow.publish(target_missed(missed=missed, address=agency.notification_email,
                              cause_id=cause_id))
    return True
