"""The sensitive indicators of a public scope: small counts withheld, with their complement in
the scope's breakdowns and in the agency tree (services/kpi/domain/suppression.py)."""

from hypothesis import given
from hypothesis import strategies as st

from services.kpi.domain.suppression import (
    OWN,
    Split,
    suppress,
    withheld_fields,
    withheld_kinds,
)

INTEGRITY = frozenset({"pungli", "suap"})


def split(public: int = 10, anonymous: int = 0, confidential: int = 0,
          **categories: int) -> Split:
    return Split(by_category={"jalan": public + anonymous + confidential
                              - sum(categories.values()), **categories},
                 by_privacy={"public": public, "anonymous": anonymous,
                             "confidential": confidential})


def kinds(scope: Split, family: dict[str, Split] | None = None,
          member: str | None = None) -> frozenset[str]:
    return withheld_kinds(scope, integrity=INTEGRITY, threshold=3, family=family,
                          member=member)


def test_small_sensitive_counts_are_withheld_and_zeros_and_three_shown():
    assert kinds(split(pungli=1)) == {"integrity"}
    assert kinds(split(pungli=3)) == set()
    assert kinds(split(pungli=0)) == set()
    assert kinds(split(public=10, anonymous=2, confidential=0)) >= {"anonymous"}


def test_the_privacy_complement_follows_the_privacy_breakdown():
    # one confidential filing: the breakdown by privacy withholds it and the next smallest
    # (anonymous), so both shares go, or filed - public - anonymous would give it away
    assert kinds(split(public=10, anonymous=5, confidential=1)) == {"anonymous", "confidential"}
    assert suppress({"public": 10, "anonymous": 5, "confidential": 1}, 3) == {"anonymous",
                                                                             "confidential"}


def test_integrity_withheld_when_the_category_breakdown_would_give_one_category_away():
    # the breakdown withholds pungli 1 and sampah 2 (together 3: enough for it), suap 5 is
    # shown: integrity 6 - suap 5 = pungli 1
    assert "integrity" in kinds(Split({"jalan": 10, "sampah": 2, "pungli": 1, "suap": 5},
                                      {"public": 18}))
    # pungli 1 and suap 3 withheld together (the complement): 4, no single category
    assert "integrity" not in kinds(split(public=20, pungli=1, suap=3))
    # two integrity categories withheld, 1 + 5: the breakdown's own standard holds
    assert "integrity" not in kinds(Split({"jalan": 30, "pungli": 1, "suap": 5},
                                          {"public": 36}))


def test_a_child_is_withheld_as_the_complement_of_a_small_sibling():
    family = {OWN: split(public=0), "kec-a": split(pungli=1), "kec-b": split(pungli=5)}
    assert "integrity" in kinds(family["kec-a"], family, "kec-a")
    # kota (6) is published: kec-b's 5 would give kec-a's 1 away
    assert "integrity" in kinds(family["kec-b"], family, "kec-b")
    # with three children the smallest shown one is the complement, and that is enough
    bigger = {**family, "kec-c": split(pungli=4)}
    assert "integrity" in kinds(bigger["kec-c"], bigger, "kec-c")
    assert "integrity" not in kinds(bigger["kec-b"], bigger, "kec-b")


def test_the_parents_own_complaints_are_a_cell_of_the_family():
    # kota's own single integrity complaint = kota - kec-a - kec-b: one child goes with it
    family = {OWN: split(pungli=1), "kec-a": split(pungli=4), "kec-b": split(pungli=6)}
    assert "integrity" in kinds(family["kec-a"], family, "kec-a")
    assert "integrity" not in kinds(family["kec-b"], family, "kec-b")


def test_withheld_fields():
    w = withheld_fields("integrity_complaints", now={"integrity"}, previous=set(),
                        year_before={"integrity"})
    assert w.value and not w.previous and w.year_before and not w.target
    assert not withheld_fields("filed", now={"integrity"}, previous=(), year_before=()).any
    assert withheld_fields("anonymous_share", now=(), previous=(), year_before=(),
                           baseline={"anonymous"}).target


counts = st.integers(0, 12)


@given(st.lists(st.tuples(counts, counts), min_size=1, max_size=5), counts, counts,
       st.integers(1, 6))
def test_no_published_figure_gives_a_small_child_away(children, own, own_anon, threshold):
    """Within a family whose total is published: a withheld child (or the parent's own cell,
    never published) with a small count is never the only unknown cell above zero, and the
    unknown cells never add up to a small number."""
    family = {OWN: Split({"pungli": own, "jalan": 50}, {"public": 50 + own, "anonymous": own_anon})}
    for k, (n, anon) in enumerate(children):
        family[f"c{k}"] = Split({"pungli": n, "jalan": 50}, {"public": 50 + n, "anonymous": anon})
    for kind, key in (("integrity", "pungli"), ("anonymous", "anonymous")):
        def n_of(s: Split, key: str = key, kind: str = kind) -> int:
            return s.count(kind, INTEGRITY) if kind == "integrity" else s.by_privacy[key]
        hidden = {m for m in family if m != OWN and kind in withheld_kinds(
            family[m], integrity=INTEGRITY, threshold=threshold, family=family, member=m)}
        unknown = [n_of(family[m]) for m in hidden | {OWN} if n_of(family[m]) > 0]
        for m, s in family.items():
            if m != OWN and 0 < n_of(s) < threshold:
                assert m in hidden
        if not [m for m in family if m not in hidden | {OWN} and n_of(family[m]) > 0]:
            continue  # nothing shown: the parent's total is the unknown cells' (its own rule)
        if any(0 < n < threshold for n in unknown) or any(
                0 < n_of(family[m]) < threshold for m in hidden):
            assert len(unknown) >= 2 and sum(unknown) >= threshold
