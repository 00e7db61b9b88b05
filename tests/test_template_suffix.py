"""A file under template/ ends in .jinja if and only if copier has something to render in it.

Then `template/` reads as the rendered project: a file without the suffix is exactly what
the user gets, and a `.jinja` file always holds Jinja.
"""

from __future__ import annotations

from matrix.finished import JINJA_DELIMITERS
from matrix.rendering import ROOT

TEMPLATE = ROOT / "template"
# Rendered from copier's own answers, whatever its content: copier requires the suffix.
ANSWERS_FILE = "{{ _copier_conf.answers_file }}.jinja"


def test_a_template_file_ends_in_jinja_exactly_when_it_holds_jinja() -> None:
    wrong = []
    for path in sorted(TEMPLATE.rglob("*")):
        if not path.is_file() or path.name == ANSWERS_FILE or "__pycache__" in path.parts:
            continue
        text = path.read_bytes().decode(errors="replace")
        holds_jinja = any(delimiter in text for delimiter in JINJA_DELIMITERS)
        if path.name.endswith(".jinja") != holds_jinja:
            relative = path.relative_to(TEMPLATE).as_posix()
            wrong.append(f"{relative}: {'holds Jinja' if holds_jinja else 'holds no Jinja'}")

    assert wrong == []
