"""Item 4: the rules declared in the SDL with @authenticated / @requiresScopes, so a gateway can
refuse before it calls us. Checked on the committed SDL and on what the live server publishes."""

from __future__ import annotations

from graphql import parse
from graphql.language import ObjectTypeDefinitionNode, print_ast

from auth import scopes
from auth.rules import PUBLIC_ORGANISATION_FIELDS, RULES
from schema.sdl import SDL_PATH

# Rules table → the Query fields and types that read it.
QUERY_FIELDS = {
    "persons": "persons",
    "training_classes": "classes",
    "applications": "applications",
    "employment_records": "employmentRecords",
    "audit_records": "auditLog",
}
TYPES = {
    "persons": "Person",
    "training_classes": "TrainingClass",
    "applications": "Application",
    "employment_records": "EmploymentRecord",
}
ORGANISATION_COLUMNS = {
    "creditCode": "credit_code",
    "contactPhone": "contact_phone",
    "approvedAt": "approved_at",
}


def types(sdl: str) -> dict[str, ObjectTypeDefinitionNode]:
    return {
        d.name.value: d for d in parse(sdl).definitions if isinstance(d, ObjectTypeDefinitionNode)
    }


def directives(node) -> dict[str, str]:
    return {d.name.value: print_ast(d) for d in node.directives or ()}


def fields(node) -> dict[str, object]:
    return {f.name.value: f for f in node.fields or ()}


def mutations(sdl: str) -> list[str]:
    return list(fields(types(sdl)["Mutation"]))


def check(sdl: str) -> list[str]:
    problems = []
    found = types(sdl)
    query, mutation = fields(found["Query"]), fields(found["Mutation"])
    anonymous = RULES[None]
    for table, name in QUERY_FIELDS.items():
        assert table not in anonymous.tables
        if "authenticated" not in directives(query[name]):
            problems.append(f"Query.{name} reads {table} (members only) without @authenticated")
    for table, type_name in TYPES.items():
        if "authenticated" not in directives(found[type_name]):
            problems.append(f"type {type_name} ({table}, members only) without @authenticated")
    for name, node in mutation.items():
        declared = directives(node)
        if name in anonymous.mutations:
            continue
        if "authenticated" not in declared:
            problems.append(f"Mutation.{name} without @authenticated")
        if f'"{scopes.WRITE}"' not in declared.get("requiresScopes", ""):
            problems.append(f"Mutation.{name} without @requiresScopes({scopes.WRITE})")
    for name, column in ORGANISATION_COLUMNS.items():
        assert column not in PUBLIC_ORGANISATION_FIELDS
        if "authenticated" not in directives(fields(found["Organisation"])[name]):
            problems.append(f"Organisation.{name} (members only) without @authenticated")
    for type_name, name in (("Fair", "registrations"), ("Position", "applications")):
        if "authenticated" not in directives(fields(found[type_name])[name]):
            problems.append(f"{type_name}.{name} lists persons/applications without @authenticated")
    return problems


def test_committed_sdl_declares_the_rules():
    assert check(SDL_PATH.read_text(encoding="utf-8")) == []


def test_every_rule_mutation_is_declared():
    declared = set(mutations(SDL_PATH.read_text(encoding="utf-8")))
    for role, rules in RULES.items():
        assert rules.mutations <= declared, (role, rules.mutations - declared)


def test_served_sdl_declares_the_rules(alliance):
    """What a gateway composes from: the running subgraph's _service.sdl, over HTTP."""
    result = alliance.graphql("anonymous", "{ _service { sdl } }")
    assert result.errors == []
    assert check(result.data["_service"]["sdl"]) == []
