"""Who sees and acts on which complaints. Pure: the agency tree is given.

An officer sees and acts on the complaints their agency handles now (the category's agency, or
the last one it was forwarded to); a supervisor also on those of every agency below theirs; an
auditor reads what a supervisor of the same agency would, and acts on nothing; an admin sees
everything. Another agency's complaint is answered 404, never 403: its existence is not leaked.
A confidential reporter's identity is shown to no officer, and an anonymous one is not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.complaints import domain
from shared.auth import Principal, Role
from shared.errors import Forbidden

_RANK = [(Role.ADMIN, domain.Role.ADMIN), (Role.SUPERVISOR, domain.Role.SUPERVISOR),
         (Role.OFFICER, domain.Role.OFFICER), (Role.AUDITOR, domain.Role.AUDITOR)]


@dataclass(frozen=True)
class Scope:
    """The agencies whose complaints a caller sees; ``None`` means all of them."""

    agency_ids: frozenset[str] | None
    actor: domain.Actor

    def sees(self, agency_id: str) -> bool:
        return self.agency_ids is None or agency_id in self.agency_ids


def actor_for(principal: Principal) -> domain.Actor:
    """The domain role of a staff caller: the most privileged role the token holds."""
    for role, domain_role in _RANK:
        if role in principal.roles:
            return domain.Actor(domain_role, principal.subject)
    raise Forbidden("The token holds no staff role.", code="forbidden_role")


def needs_agency_tree(principal: Principal) -> bool:
    """Whether the caller's scope is a subtree of agencies (supervisors and auditors)."""
    return actor_for(principal).role in (domain.Role.SUPERVISOR, domain.Role.AUDITOR)


def scope_of(principal: Principal, agency_parents: Mapping[str, str | None]) -> Scope:
    """The caller's scope; ``agency_parents`` (the agency tree) is read only when
    ``needs_agency_tree`` says so."""
    actor = actor_for(principal)
    if actor.role is domain.Role.ADMIN:
        return Scope(None, actor)
    if principal.agency_id is None:
        raise Forbidden("The token names no agency.", code="no_agency")
    if actor.role is domain.Role.OFFICER:
        return Scope(frozenset({principal.agency_id}), actor)
    return Scope(domain.agency_subtree(agency_parents, principal.agency_id), actor)
