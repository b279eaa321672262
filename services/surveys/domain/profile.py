"""The respondent profile: the form's closed sets (``skm``) stored as codes, and their mapping to
the coarser categories of ``survey.response_recorded``. Pure; no I/O.

The age is asked in years but only its band is kept: nothing finer than the report needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from services.surveys.domain import skm
from shared.events.surveys import AgeBand, Education, Occupation, RespondentProfile

SEX_CODES = tuple(c.code for c in skm.SEXES)
EDUCATION_CODES = tuple(c.code for c in skm.EDUCATION_LEVELS)
OCCUPATION_CODES = tuple(c.code for c in skm.OCCUPATIONS)
AGE_BAND_CODES = tuple(band.code for _, band in skm.AGE_BANDS)

#: The same codes as types (request models); checked against the form's sets below.
SexCode = Literal["L", "P"]
EducationCode = Literal["SD", "SMP", "SMA", "D1_D4", "S1", "S2", "S3"]
OccupationCode = Literal["PNS", "TNI", "POLRI", "SWASTA", "WIRAUSAHA", "PELAJAR_MAHASISWA",
                         "LAINNYA"]
assert get_args(SexCode) == SEX_CODES
assert get_args(EducationCode) == EDUCATION_CODES
assert get_args(OccupationCode) == OCCUPATION_CODES

_AGE_EVENT = dict(zip(AGE_BAND_CODES, AgeBand, strict=True))
_SEX_EVENT: dict[str, Literal["male", "female"]] = {"L": "male", "P": "female"}
_EDUCATION_EVENT = {
    "SD": Education.PRIMARY_OR_LESS, "SMP": Education.JUNIOR_SECONDARY,
    "SMA": Education.SENIOR_SECONDARY, "D1_D4": Education.DIPLOMA, "S1": Education.BACHELOR,
    "S2": Education.POSTGRADUATE, "S3": Education.POSTGRADUATE,
}
_OCCUPATION_EVENT = {
    "PNS": Occupation.CIVIL_SERVANT, "TNI": Occupation.MILITARY_POLICE,
    "POLRI": Occupation.MILITARY_POLICE, "SWASTA": Occupation.PRIVATE_EMPLOYEE,
    "WIRAUSAHA": Occupation.SELF_EMPLOYED, "PELAJAR_MAHASISWA": Occupation.STUDENT,
    "LAINNYA": Occupation.OTHER,
}

#: Segments results can be broken down by, with the codes and labels of each.
SEGMENTS: dict[str, tuple[skm.Choice, ...]] = {
    "age_band": tuple(band for _, band in skm.AGE_BANDS),
    "sex": skm.SEXES,
    "education": skm.EDUCATION_LEVELS,
    "occupation": skm.OCCUPATIONS,
}


@dataclass(frozen=True, slots=True)
class StoredProfile:
    """What is stored of a respondent: four optional category codes."""

    age_band: str | None = None
    sex: str | None = None
    education: str | None = None
    occupation: str | None = None

    def as_event(self) -> RespondentProfile:
        return RespondentProfile(
            age_band=_AGE_EVENT.get(self.age_band) if self.age_band else None,
            sex=_SEX_EVENT.get(self.sex) if self.sex else None,
            education=_EDUCATION_EVENT.get(self.education) if self.education else None,
            occupation=_OCCUPATION_EVENT.get(self.occupation) if self.occupation else None,
        )

    def segment_key(self) -> dict[str, str]:
        """The tally's key columns ("" for a category left out)."""
        return {"age_band": self.age_band or "", "sex": self.sex or "",
                "education": self.education or "", "occupation": self.occupation or ""}


def stored_profile(*, age: int | None, sex: str | None, education: str | None,
                   occupation: str | None) -> StoredProfile:
    """Checks each given category (``InvalidSurveyInput`` naming the field) and bands the age."""
    return StoredProfile(
        age_band=skm.age_band(age).code if age is not None else None,
        sex=skm.choice(skm.SEXES, sex, field="sex").code if sex is not None else None,
        education=(skm.choice(skm.EDUCATION_LEVELS, education, field="education").code
                   if education is not None else None),
        occupation=(skm.choice(skm.OCCUPATIONS, occupation, field="occupation").code
                    if occupation is not None else None),
    )
