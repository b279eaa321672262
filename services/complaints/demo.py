"""Demo data for `suara dev`: two agencies with their catalogues, an officer token for each,
and a few complaints in different states — created through the service's own HTTP API, as an
agency's admin and a citizen's app would."""

from __future__ import annotations

from typing import Any

import httpx

from shared.auth import Role, mint_token
from shared.settings import ServiceSettings

AGENCIES = [
    {"id": "pemkot-bdg", "name_id": "Pemerintah Kota Bandung",
     "name_en": "Bandung City Government", "kind": "regional"},
    {"id": "dpupr-bdg", "name_id": "Dinas Pekerjaan Umum dan Penataan Ruang Kota Bandung",
     "name_en": "Bandung Public Works and Spatial Planning", "kind": "unit",
     "parent_id": "pemkot-bdg"},
    {"id": "dukcapil-bdg", "name_id": "Dinas Kependudukan dan Pencatatan Sipil Kota Bandung",
     "name_en": "Bandung Population and Civil Registry", "kind": "unit",
     "parent_id": "pemkot-bdg"},
]
CATEGORIES = [
    {"code": "JALAN-RUSAK", "agency_id": "dpupr-bdg", "name_id": "Jalan rusak atau berlubang",
     "name_en": "Damaged or potholed road", "complexity": "normal",
     "keywords": ["jalan", "lubang", "aspal"],
     "attributes": [{"code": "severity", "datatype": "singlevaluelist", "required": True,
                     "description": "Tingkat kerusakan", "description_en": "How bad is it",
                     "values": [{"key": "light", "name": "Ringan"},
                                {"key": "heavy", "name": "Berat"}]}]},
    {"code": "DRAINASE", "agency_id": "dpupr-bdg", "name_id": "Saluran air tersumbat",
     "name_en": "Blocked drainage", "complexity": "simple", "attributes": []},
    {"code": "KTP-EL", "agency_id": "dukcapil-bdg", "name_id": "Layanan KTP elektronik",
     "name_en": "Electronic ID card service", "complexity": "simple", "attributes": []},
    {"code": "AKTA-LAHIR", "agency_id": "dukcapil-bdg", "name_id": "Akta kelahiran",
     "name_en": "Birth certificate", "complexity": "normal", "attributes": []},
    {"code": "PUNGLI", "agency_id": "dukcapil-bdg", "name_id": "Pungutan liar oleh petugas",
     "name_en": "Illegal fees charged by staff", "complexity": "complex", "integrity": True,
     "keywords": ["pungli", "suap", "calo"], "attributes": []},
]
OFFICERS = {"dpupr-bdg": "budi.santoso", "dukcapil-bdg": "dewi.lestari"}


async def seed(base_url: str, settings: ServiceSettings) -> list[str]:
    """Create the demo data unless agencies exist already; returns lines to print."""
    admin = {"Authorization": "Bearer " + mint_token(settings, subject="demo-admin",
                                                     roles=[Role.ADMIN], agency_id=None)}
    officer = {agency: {"Authorization": "Bearer " + mint_token(
        settings, subject=sub, roles=[Role.OFFICER], agency_id=agency)}
        for agency, sub in OFFICERS.items()}
    lines = [f"  officer {sub} ({agency}): {h['Authorization'].removeprefix('Bearer ')}"
             for (agency, h), sub in zip(officer.items(), OFFICERS.values(), strict=True)]
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        if (await client.get("/v1/agencies")).json():
            return ["demo data already there (data/ kept from an earlier run)", *lines]
        for agency in AGENCIES:
            (await client.post("/v1/agencies", json=agency, headers=admin)).raise_for_status()
        for category in CATEGORIES:
            (await client.post("/v1/categories", json=category,
                               headers=admin)).raise_for_status()
        filed = []
        for body in (
            {"title": "Jalan berlubang di Jl. Asia Afrika", "category_code": "JALAN-RUSAK",
             "description": "Lubang besar dekat halte, sudah dua motor jatuh minggu ini.",
             "attributes": {"severity": "heavy"},
             "location": {"lat": -6.9218, "long": 107.6071, "region_code": "32.73.01"},
             "reporter": {"name": "Siti Aminah", "email": "siti@example.id"}},
            {"title": "Selokan mampet di Cicendo", "category_code": "DRAINASE",
             "description": "Air meluap ke jalan setiap hujan.", "privacy": "confidential",
             "reporter": {"name": "Andi", "phone": "+6281200000001"}},
            {"title": "Antrean KTP-el tidak jelas", "category_code": "KTP-EL",
             "description": "Nomor antrean dilewati tanpa pemberitahuan.",
             "privacy": "anonymous"},
            {"title": "Akta kelahiran belum terbit", "category_code": "AKTA-LAHIR",
             "description": "Sudah tiga minggu sejak berkas lengkap.", "locale": "en",
             "reporter": {"email": "parent@example.id"}},
        ):
            r = await client.post("/v1/complaints", json=body)
            r.raise_for_status()
            filed.append(r.json())
        road, drain, _, birth = filed
        answer = {"body": "Tim akan menambal lubang besok pagi."}
        steps: list[tuple[dict[str, Any], str, list[tuple[str, dict[str, str]]]]] = [
            (road, "dpupr-bdg", [("verify", {}), ("start", {}), ("respond", answer),
                                 ("resolve", {})]),
            (drain, "dpupr-bdg", [("verify", {"complexity": "simple"})]),
            (birth, "dukcapil-bdg", [("verify", {}), ("start", {})])]
        for complaint, agency_id, actions in steps:
            for action, payload in actions:
                r = await client.post(f"/v1/complaints/{complaint['id']}/{action}",
                                      json=payload, headers=officer[agency_id])
                r.raise_for_status()
    return [f"demo data: {len(AGENCIES)} agencies, {len(CATEGORIES)} categories, "
            f"{len(filed)} complaints (resolved, verified, submitted, in progress)",
            f"  citizen: tracking code {road['tracking_code']}, "
            f"header X-Tracking-Token: {road['token']}", *lines]
