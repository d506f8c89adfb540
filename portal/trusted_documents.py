"""The portal's operations as trusted documents: every named operation of
``portal/operations/*.graphql``, exactly as the portal sends it, registered by its SHA-256 in
``portal/trusted_documents.json`` (Apollo's persisted query manifest format, which Hive Gateway's
persisted documents read too; `yulu trusted-documents` rewrites it, a test fails when it is stale).

In production (``YULU_PRODUCTION=1``) a request from the portal's client — a token the portal's
own OAuth client holds, or the portal's in-process call — runs only a registered document: a
portal token that leaked, or a page tricked into sending other text, can ask nothing the portal
itself does not ask. Partners' and members' own clients keep full GraphQL; their tokens and the
row rules bound them as before.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from auth.portal_signin import PORTAL_CLIENT_ID
from auth.viewer import Viewer
from portal.operations import IN_PROCESS_CLIENT, operations

MANIFEST = Path(__file__).parent / "trusted_documents.json"
FORMAT = "apollo-persisted-query-manifest"
REFUSAL_CODE = "PERSISTED_QUERY_NOT_IN_LIST"
REFUSAL_MESSAGE = "门户客户端只能执行已登记的操作（portal/trusted_documents.json）。"


def document_id(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def manifest() -> dict[str, Any]:
    """The manifest of the operations in portal/operations/, by name."""
    listed = sorted(operations().values(), key=lambda operation: operation.name)
    return {
        "format": FORMAT,
        "version": 1,
        "operations": [
            {
                "id": document_id(operation.source),
                "name": operation.name,
                "type": operation.kind,
                "body": operation.source,
            }
            for operation in listed
        ],
    }


def manifest_text() -> str:
    return json.dumps(manifest(), ensure_ascii=False, indent=2) + "\n"


def write() -> Path:
    MANIFEST.write_text(manifest_text(), encoding="utf-8")
    return MANIFEST


@cache
def registered() -> frozenset[str]:
    """The ids the committed manifest registers (what production accepts, whatever the code)."""
    listed = json.loads(MANIFEST.read_text(encoding="utf-8"))["operations"]
    return frozenset(entry["id"] for entry in listed)


def from_portal(viewer: Viewer, client: tuple[str, int] | None) -> bool:
    """A request of the portal's client: its OAuth client's token, or its in-process call."""
    return viewer.client_id == PORTAL_CLIENT_ID or client == IN_PROCESS_CLIENT


def is_registered(query: Any) -> bool:
    return isinstance(query, str) and document_id(query) in registered()
