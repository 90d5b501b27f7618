"""Line numbers of YAML nodes, so content errors can point at file:line."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

Path = tuple[Hashable, ...]


class LineMap:
    """Maps a path of keys and indexes (("entries", 3, "answer")) to its 1-based line."""

    def __init__(self, text: str):
        self._lines: dict[Path, int] = {}
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            root = None
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: Any, path: Path) -> None:
        self._lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, getattr(key, "value", None))
                self._walk(value, child)
                self._lines[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*path, i))

    def line(self, *path: Hashable) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        p: Path = tuple(path)
        while p:
            if p in self._lines:
                return self._lines[p]
            p = p[:-1]
        return self._lines.get(())


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated in one mapping (YAML keeps only the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def describe_yaml_error(text: str, exc: yaml.YAMLError) -> tuple[int | None, str]:
    """The 1-based line staff should fix and a Vietnamese explanation of a YAML syntax error.

    PyYAML reports where it noticed the problem, which for an unclosed quote or bracket is the
    line after the mistake: those are traced back to the line where the quote or bracket opened.
    """
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    line = problem_mark.line + 1 if problem_mark is not None else None
    if context_mark is not None and ("flow" in context or "quoted scalar" in context):
        line = context_mark.line + 1
    quoted_start = _open_quote_line(text, problem_mark.index) if problem_mark else None
    if quoted_start is not None:
        line = quoted_start + 1
    return line, _explain(problem, context, quoted_start is not None)


def _open_quote_line(text: str, index: int) -> int | None:
    """The 0-based line of a quoted text that ran over several lines up to the error: a closing
    quote was most likely forgotten there."""
    last = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= index:
                break
            last = token
    except yaml.YAMLError:
        pass
    if (
        isinstance(last, yaml.ScalarToken)
        and last.style in ('"', "'")
        and last.end_mark.line > last.start_mark.line
    ):
        return int(last.start_mark.line)
    return None


def _explain(problem: str, context: str, open_quote: bool) -> str:
    if "found the key" in problem:
        key = problem.replace("found the key", "khóa")
        return f"{key} xuất hiện hai lần trong cùng một mục; mỗi khóa chỉ ghi một lần"
    if "'\\t'" in problem or "\t" in problem:
        return "có ký tự tab; chỉ thụt lề bằng dấu cách"
    if open_quote or "quoted scalar" in context:
        return 'thiếu dấu ngoặc kép (") đóng ở cuối dòng này'
    if "flow sequence" in context:
        return "thiếu dấu ] đóng, hoặc thiếu dấu phẩy giữa các mục trong [ ]"
    if "flow mapping" in context:
        return "thiếu dấu } đóng, hoặc thiếu dấu phẩy giữa các mục trong { }"
    if "mapping values are not allowed" in problem:
        return "có dấu hai chấm (:) trong chữ không có ngoặc kép; hãy đặt cả câu trong ngoặc kép"
    if "end of stream" in problem:
        return "tệp bị cắt ngang, thiếu phần cuối"
    if "block end" in problem or "expected ':'" in problem or "block" in context:
        return "thụt lề không đúng: dòng này phải thẳng hàng với các dòng cùng cấp"
    return "sai cú pháp YAML"


def load_strict(text: str) -> Any:
    """Parse YAML text, refusing repeated keys."""
    return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass: no arbitrary objects
