"""What the public may see of a complaint: the one public-listing policy, for every public
output (Open311 ``requests`` in JSON and XML today; any later public list or export uses
``public_view`` too).

A whistle-blower must be able to trust it, so it is decided here once and nowhere else:

1. **Nothing is public before an officer has looked at it.** A complaint is listed only once it
   was verified (or forwarded, which verifies it); a submitted complaint may hold anything a
   citizen typed, and a rejected one was never accepted. ``LISTED`` is the set of statuses.
2. **A private complaint** (``private: true``) is never listed nor readable: 404, as an id that
   does not exist.
3. **A confidential or anonymous complaint** is listed without its content and without its
   exact location: no description, street address, coordinates, file or staff reply (an
   answer may quote the report). What remains is what the events carry: its service
   (category), agency, status, dates and the district (``32.73.01``), never the village.
4. **A public complaint** is listed with its description, address, coordinates, the file sent
   with it and the officer's last public reply, its area also at district level.
5. **Never, whatever the mode**: the reporter's name, e-mail or phone, the tracking code or
   token, internal notes, the citizen's own messages, attributes. ``public_view`` has no field
   for any of them, so no output built on it can show one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.complaints.domain import FINISHED, Status
from services.complaints.mapping import district
from services.complaints.records import PublicRequest
from shared.events.complaints import PrivacyMode

#: The statuses in which a complaint is listed: verified first (rule 1).
LISTED = frozenset(Status) - {Status.SUBMITTED, Status.REJECTED}
#: The modes whose content and exact location are withheld (rule 3).
WITHHELD = frozenset({PrivacyMode.CONFIDENTIAL, PrivacyMode.ANONYMOUS})


@dataclass(frozen=True, slots=True)
class PublicView:
    """Everything a public output may show of a complaint, and nothing else."""

    id: str
    category_code: str
    service_name_id: str
    service_name_en: str
    agency_id: str
    agency_name_id: str | None
    agency_name_en: str | None
    status: Status
    finished: bool
    filed_at: datetime
    updated_at: datetime
    expected_at: datetime
    district: str | None
    withheld: bool
    description: str | None
    address: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    staff_reply: str | None


def public_view(r: PublicRequest) -> PublicView:
    """``r`` as the policy lets the public see it (the caller listed it: ``LISTED``, not
    private)."""
    c = r.complaint
    withheld = c.privacy in WITHHELD
    status = Status(c.status)
    return PublicView(
        id=c.id, category_code=c.category_code, service_name_id=r.service_name_id,
        service_name_en=r.service_name_en, agency_id=c.agency_id,
        agency_name_id=r.agency_name_id, agency_name_en=r.agency_name_en, status=status,
        finished=status in FINISHED, filed_at=c.filed_at, updated_at=c.updated_at,
        expected_at=c.resolve_by, district=district(c.region_code), withheld=withheld,
        description=None if withheld else c.description,
        address=None if withheld else c.address,
        lat=None if withheld else c.lat, long=None if withheld else c.long,
        media_url=None if withheld else r.media_url,
        staff_reply=None if withheld else r.staff_reply)
