"""The agency tree as the catalogue events describe it: roll-ups and who may see what. Pure
once loaded (``AgencyTree.load`` reads the projection's copy of the catalogue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.kpi import repository
from services.kpi.errors import forbidden
from shared.auth import Principal, Role


@dataclass(frozen=True)
class AgencyInfo:
    agency_id: str
    parent_id: str | None
    name_id: str
    name_en: str
    kind: str = "unit"


@dataclass(frozen=True)
class CategoryInfo:
    category_code: str
    agency_id: str
    name_id: str
    name_en: str
    integrity: bool


@dataclass
class AgencyTree:
    agencies: dict[str, AgencyInfo] = field(default_factory=dict)
    categories: dict[str, CategoryInfo] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    async def load(cls, conn: AsyncConnection) -> AgencyTree:
        tree = cls()
        for r in await repository.catalogue(conn):
            if r.entity == "a":
                tree.agencies[r.id] = AgencyInfo(r.id, r.owner, r.name_id, r.name_en, r.kind)
            else:
                tree.categories[r.id] = CategoryInfo(r.id, r.owner, r.name_id, r.name_en,
                                                     bool(r.integrity))
        for a in tree.agencies.values():
            if a.parent_id is not None:
                tree.children.setdefault(a.parent_id, []).append(a.agency_id)
        for kids in tree.children.values():
            kids.sort()
        return tree

    def info(self, agency_id: str) -> AgencyInfo:
        return self.agencies.get(agency_id) or AgencyInfo(agency_id, None, agency_id, agency_id)

    def subtree(self, agency_id: str) -> list[str]:
        """The agency and every agency below it (the roll-up)."""
        out, stack, seen = [], [agency_id], set()
        while stack:
            a = stack.pop()
            if a in seen:  # a cycle in a broken catalogue must not hang the service
                continue
            seen.add(a)
            out.append(a)
            stack.extend(reversed(self.children.get(a, [])))
        return out

    def lineage(self, agency_id: str) -> list[str]:
        """The agency, its parent, ..., the root."""
        out: list[str] = []
        current: str | None = agency_id
        while current is not None and current not in out:
            out.append(current)
            parent = self.agencies.get(current)
            current = parent.parent_id if parent else None
        return out

    def roots(self, known: Sequence[str] = ()) -> list[str]:
        """Agencies at the top of the tree (and any agency with data but no catalogue entry)."""
        tops = {a.agency_id for a in self.agencies.values()
                if a.parent_id is None or a.parent_id not in self.agencies}
        tops |= {a for a in known if a not in self.agencies and a != "*"}
        return sorted(tops)

    def integrity_codes(self) -> frozenset[str]:
        return frozenset(c.category_code for c in self.categories.values() if c.integrity)

    def name(self, agency_id: str, lang: str) -> str:
        info = self.info(agency_id)
        return info.name_en if lang == "en" else info.name_id

    def category_name(self, code: str, lang: str) -> str:
        c = self.categories.get(code)
        if c is None:
            return code
        return c.name_en if lang == "en" else c.name_id

    def describe(self, agency_id: str) -> dict[str, Any]:
        info = self.info(agency_id)
        return {"agency_id": agency_id, "parent_id": info.parent_id, "name_id": info.name_id,
                "name_en": info.name_en, "children": list(self.children.get(agency_id, []))}


def may_see(principal: Principal, tree: AgencyTree, agency_id: str) -> bool:
    """Admins and auditors see every agency; others their own agency and those below it."""
    if principal.has_any(Role.ADMIN, Role.AUDITOR):
        return True
    return principal.agency_id is not None and principal.agency_id in tree.lineage(agency_id)


def authorize_read(principal: Principal, tree: AgencyTree, agency_id: str) -> None:
    if not may_see(principal, tree, agency_id):
        raise forbidden("forbidden_agency", "This agency is outside your scope.")
