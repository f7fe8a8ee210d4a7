"""Request bodies and query strings, checked against the contract.

Unknown fields are refused everywhere (the contract demands it for PATCH), so a client's typo
fails loudly here instead of being silently ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ._errors import bad_request, invalid_format, missing_field
from ._ids import CHAR_ID_RE
from ._model import ATTRIBUTE_KEYS, LISTABLE_STATUSES, POSES

MAX_NAME = 100
MAX_TEXT = 500
MAX_DETAILS = 2000
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def parse_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid_format("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise invalid_format("The request body must be a JSON object.")
    return value


def canonical(body: dict[str, Any]) -> str:
    """Two bodies that mean the same thing compare equal for idempotency."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def _only(body: dict[str, Any], allowed: Sequence[str]) -> None:
    for key in body:
        if key not in allowed:
            raise bad_request(f"Unknown field '{key}'.", param=key)


def _name(body: dict[str, Any]) -> str:
    value = body.get("name")
    if not isinstance(value, str) or not value.strip():
        raise invalid_format("'name' must be a non-empty string.", param="name")
    if len(value.strip()) > MAX_NAME:
        raise invalid_format(f"'name' must be at most {MAX_NAME} characters.", param="name")
    return value.strip()


def _attributes(body: dict[str, Any]) -> dict[str, Any] | None:
    value = body.get("attributes")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_format("'attributes' must be an object or null.", param="attributes")
    for key, item in value.items():
        param = f"attributes.{key}"
        if key not in ATTRIBUTE_KEYS:
            raise bad_request(f"Unknown attribute '{key}'.", param=param)
        if item is None:
            continue
        if key == "age":
            if isinstance(item, bool) or not isinstance(item, int) or not 0 < item <= 150:
                raise invalid_format(
                    "'attributes.age' must be an integer from 1 to 150.", param=param
                )
        elif not isinstance(item, str):
            raise invalid_format(f"'{param}' must be a string or null.", param=param)
        elif len(item) > (MAX_DETAILS if key == "additional_details" else MAX_TEXT):
            raise invalid_format(f"'{param}' is too long.", param=param)
    return dict(value)


def create_payload(body: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    _only(body, ("name", "generate", "attributes", "upload_ids"))
    if "upload_ids" in body:
        raise bad_request(
            'The upload flow is not available here; create with "generate": true.',
            param="upload_ids",
        )
    if "name" not in body:
        raise missing_field("name")
    name = _name(body)
    if "generate" not in body:
        raise missing_field("generate")
    if not isinstance(body["generate"], bool):
        raise invalid_format("'generate' must be a boolean.", param="generate")
    if not body["generate"]:
        raise bad_request("'generate': false needs upload_ids (the upload flow).", param="generate")
    return name, _attributes(body)


def patch_payload(body: dict[str, Any]) -> dict[str, Any]:
    _only(body, ("name", "attributes"))
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = _name(body)
    if "attributes" in body:
        changes["attributes"] = _attributes(body)
    return changes


def regenerate_payload(body: dict[str, Any]) -> str:
    _only(body, ("pose", "prompt_override"))
    if "pose" not in body:
        raise missing_field("pose")
    pose = body["pose"]
    if not isinstance(pose, str) or pose not in POSES:
        raise invalid_format(f"'pose' must be one of {', '.join(POSES)}.", param="pose")
    override = body.get("prompt_override")
    if override is not None and (not isinstance(override, str) or len(override) > MAX_DETAILS):
        raise invalid_format("'prompt_override' must be a string or null.", param="prompt_override")
    return pose


def resynthesize_payload(body: dict[str, Any]) -> None:
    _only(body, ("force_all",))
    if "force_all" in body and not isinstance(body["force_all"], bool):
        raise invalid_format("'force_all' must be a boolean.", param="force_all")


def _query(items: Sequence[tuple[str, str]], allowed: Sequence[str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    for key, value in items:
        if key not in allowed:
            raise bad_request(f"Unknown query parameter '{key}'.", param=key)
        if key in seen:
            raise bad_request(f"Query parameter '{key}' was given twice.", param=key)
        seen[key] = value
    return seen


def no_query(items: Sequence[tuple[str, str]]) -> None:
    _query(items, ())


def list_query(items: Sequence[tuple[str, str]]) -> tuple[int, str | None, str | None]:
    """(limit, starting_after, status)"""
    query = _query(items, ("limit", "starting_after", "status"))
    limit = DEFAULT_LIMIT
    if "limit" in query:
        if not re.fullmatch(r"\d{1,6}", query["limit"]):
            raise invalid_format("'limit' must be an integer.", param="limit")
        limit = int(query["limit"])
        if not 1 <= limit <= MAX_LIMIT:
            raise bad_request(f"'limit' must be between 1 and {MAX_LIMIT}.", param="limit")
    status = query.get("status")
    if status is not None and status not in LISTABLE_STATUSES:
        raise bad_request(
            f"'status' must be one of {', '.join(LISTABLE_STATUSES)}.", param="status"
        )
    cursor = query.get("starting_after")
    if cursor is not None and not CHAR_ID_RE.fullmatch(cursor):
        raise invalid_format("'starting_after' must be a character id.", param="starting_after")
    return limit, cursor, status
