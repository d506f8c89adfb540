"""The employment intention form (ledger c), shared by the graduate's own page and their
school's: desired occupations and regions (at most 5 each), certificates, salary, plans."""

from __future__ import annotations

import re

from portal.forms import FormSpec

INTENTION_FORM = FormSpec(
    texts=("preferredTier", "certificates"),
    integers=("graduationYear", "expectedSalary"),
    lists=("occupationCodes", "regionCodes"),
    flags=("wantsFurtherStudy", "wantsOwnBusiness", "seeking"),
    required=("graduationYear",),
)


def intention_values(intention: dict | None, certificates: list[str]) -> dict:
    """The stored intention (and the person's certificates) as the form's values."""
    if intention is None:
        return {
            "seeking": True,
            "occupationCodes": [],
            "regionCodes": [],
            "certificates": "、".join(certificates),
        }
    return {
        **intention,
        "occupationCodes": [o["code"] for o in intention["occupations"]],
        "certificates": "、".join(certificates),
        "regionCodes": [r["code"] for r in intention["regions"]],
    }


CERTIFICATE_SEPARATORS = re.compile(r"[、，,；;\s]+")


def intention_input(values: dict) -> dict:
    """The form's values as the API's input: certificates typed as one line, 、-separated (the
    form always shows the current ones, so a blank line clears them)."""
    typed = values.get("certificates", "")
    return {**values, "certificates": [c for c in CERTIFICATE_SEPARATORS.split(typed) if c]}
