"""Reading a JSON request body that anyone may have sent."""

from __future__ import annotations

import json
from typing import Any

from flask import request


def json_object() -> dict[str, Any] | None:
    """The body as a JSON object; None when it is not JSON, not an object, not UTF-8, or nested
    so deeply that decoding it would exhaust the stack (Flask's get_json lets that RecursionError
    through as a 500)."""
    if not request.is_json:
        return None
    try:
        data = json.loads(request.get_data(cache=True).decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return data if isinstance(data, dict) else None
