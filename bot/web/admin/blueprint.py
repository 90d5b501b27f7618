"""The console's blueprint `admin` (under /admin); its routes live in sibling modules."""

from __future__ import annotations

from flask import Blueprint

admin = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/static",
)
