"""Relay ``node(id:)`` and federation ``_entities``: any entity by its global ID, through the
request's loaders and the viewer's row rules (a reference never reveals more than a list)."""

from __future__ import annotations

from typing import Any

from models.alerts import Alert
from models.applications import Application
from models.catalogue import Major, Occupation
from models.classes import TrainingClass
from models.destinations import GraduateDestination
from models.fairs import Fair
from models.organisations import Organisation
from models.people import Person
from models.positions import Position
from models.regions import Region
from models.tracking import AssistanceCase, EmploymentRecord, FollowUp
from resolvers.batching import one_by
from resolvers.context import Context
from resolvers.ids import InvalidId, decode_id, from_global_id

NODE_TYPES: dict[str, tuple[Any, str | None]] = {
    "Organisation": (Organisation.id, "organisations"),
    "Person": (Person.id, "persons"),
    "Position": (Position.id, "positions"),
    "TrainingClass": (TrainingClass.id, "training_classes"),
    "Application": (Application.id, "applications"),
    "EmploymentRecord": (EmploymentRecord.id, "employment_records"),
    "FollowUp": (FollowUp.id, "follow_ups"),
    "AssistanceCase": (AssistanceCase.id, "assistance_cases"),
    "Fair": (Fair.id, "fairs"),
    "GraduateDestination": (GraduateDestination.id, "graduate_destinations"),
    "Alert": (Alert.id, "alerts"),
    "Region": (Region.code, None),
    "Major": (Major.code, None),
    "Occupation": (Occupation.code, None),
}
"""Type name → (key column, rules table; None for public catalogues)."""


def _key(type_name: str, global_id: str) -> Any:
    column, _ = NODE_TYPES[type_name]
    return decode_id(global_id, type_name) if column.key == "id" else from_global_id(global_id)[1]


async def node(ctx: Context, global_id: str, expected_type: str | None = None) -> Any:
    """The visible entity with this ID, or None (unknown, malformed or not visible alike)."""
    try:
        type_name = from_global_id(global_id)[0]
        if type_name not in NODE_TYPES or (expected_type and type_name != expected_type):
            return None
        key = _key(type_name, global_id)
    except InvalidId:
        return None
    column, table = NODE_TYPES[type_name]
    return await one_by(ctx, column, table).load(key)
