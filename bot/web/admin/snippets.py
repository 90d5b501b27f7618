"""Ready-to-paste faq.yaml snippets for questions the bot could not answer."""

from __future__ import annotations

import json
from typing import Any

# faq.yaml's layout: entries are list items indented two spaces, their variants six.
VARIANT_INDENT = " " * 6


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def variant_snippet(text: str, nearest: dict[str, Any] | None, content: Any) -> dict[str, str]:
    """Where to paste and what: a variant for the nearest entry, or a new entry's skeleton."""
    entries = getattr(content, "entries", {}) if content is not None else {}
    entry = entries.get(nearest["faq_id"]) if nearest else None
    if entry is not None:
        line = getattr(entry, "line", None)
        where = f'Thêm vào danh sách variants của mục "{entry.id}"'
        where += f" (dòng {line} trong faq.yaml)" if line else ""
        return {"where": where, "yaml": f"{VARIANT_INDENT}- {quoted(text)}"}
    skeleton = "\n".join(
        [
            "  - id: moi-dat-ten-khong-dau",
            "    group: chon-nhom",
            f"    question: {quoted(text)}",
            "    variants:",
            f"{VARIANT_INDENT}- {quoted(text)}",
            "    answer: |-",
            "      Câu trả lời đã được kiểm chứng…",
            '    source: "Tên văn bản, cơ quan ban hành, ngày"',
        ]
    )
    return {"where": "Chưa có mục gần giống: thêm một mục mới vào faq.yaml", "yaml": skeleton}
