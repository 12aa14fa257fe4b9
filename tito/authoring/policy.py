"""The one stripping policy for student material.

Student notebooks are made by nbgrader's ``GenerateAssignment`` only, configured here:
solution regions become a stub that raises ``NotImplementedError`` naming the function to
write, hidden tests and mark schemes are removed, outputs are cleared. Feedback, the other
student material, loses its hidden tests the same way. Every path that
produces student material (``tito nbgrader generate``, the course's ``nbgrader_config.py``
used by nbgrader's own CLI and formgrader, the single-user lab) goes through
:func:`configure`, so there is no second policy to drift.
"""

from __future__ import annotations

import re

from nbformat import NotebookNode
from nbgrader.converters import GenerateAssignment, GenerateFeedback
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from nbgrader.utils import compute_checksum
from traitlets.config import Config

_SCOPE = re.compile(r"^(\s*)(?:async\s+)?(def|class)\s+(\w+)")
_EXTENDS = re.compile(r"^\s*@extends\(\s*(\w+)\s*\)")  # its class's methods are Name's
ANSWER_STUB = "YOUR ANSWER HERE: reason from your own code and measurements."


def is_changed(cell: NotebookNode) -> bool:
    """Whether a student changed a cell nbgrader released with a checksum (an exercise, an
    answer); a cell without one counts as changed."""
    released = cell.get("metadata", {}).get("nbgrader", {}).get("checksum")
    return released is None or compute_checksum(cell) != released


def is_unanswered(cell: NotebookNode) -> bool:
    """Whether a manually graded answer is blank, the stub students were given, or unchanged
    from the release (nbgrader scores such an answer 0 by the same checksum)."""
    return cell.source.strip() in ("", ANSWER_STUB) or not is_changed(cell)


_WIDTH = 100  # the longest line students get, as the course's sources


def stub_lines(qualname: str | None, indent: int) -> list[str]:
    """The lines, indented by ``indent``, that replace a solution region: they name what to
    write and where to look, within the course's 100 characters a line."""
    message = (f"{qualname} is not implemented yet: see its TODO" if qualname is not None
               else "Your code goes here: follow the instructions above this cell")
    pad = " " * indent
    line = f'{pad}raise NotImplementedError("{message}")'
    if len(line) <= _WIDTH:
        return [line]
    return [f"{pad}raise NotImplementedError(", f'{pad}    "{message}"', f"{pad})"]


def _enclosing(scopes: list[tuple[int, str]], indent: int) -> str | None:
    names = [name for scope_indent, name in scopes if scope_indent < indent]
    return ".".join(names) or None


class StubSolutions(ClearSolutions):
    """nbgrader's ClearSolutions, with code stubs that say which function to implement."""

    def _replace_solution_region(self, cell: NotebookNode, language: str) -> bool:
        if cell.cell_type != "code":
            return super()._replace_solution_region(cell, language)
        lines = cell.source.split("\n")
        kept: list[str] = []
        scopes: list[tuple[int, str]] = []  # (indent, name) of the defs/classes above
        inside = replaced = False
        extended: str | None = None  # the class named by an @extends(...) line above
        for line in lines:
            if self.begin_solution_delimeter in line:
                if inside:
                    raise RuntimeError("encountered nested begin solution statements")
                inside = replaced = True
                indent = len(line) - len(line.lstrip())
                kept += stub_lines(_enclosing(scopes, indent), indent)
            elif self.end_solution_delimeter in line:
                inside = False
            elif not inside:
                match = _SCOPE.match(line)
                if match:
                    indent, kind, name = len(match.group(1)), match.group(2), match.group(3)
                    if kind == "class" and extended:
                        name = extended
                    scopes = [s for s in scopes if s[0] < indent] + [(indent, name)]
                    extended = None
                elif decorator := _EXTENDS.match(line):
                    extended = decorator.group(1)
                kept.append(line)
        if inside:
            raise RuntimeError("no end solution statement found")
        cell.source = "\n".join(kept)
        return replaced


def configure(config: Config) -> Config:
    """Apply the policy to an nbgrader configuration (also called from nbgrader_config.py):
    student notebooks get stubs, and feedback never shows hidden tests."""
    default = GenerateAssignment.class_traits()["preprocessors"].default()
    config.GenerateAssignment.preprocessors = [
        StubSolutions if step is ClearSolutions else step for step in default
    ]
    config.ClearSolutions.text_stub = ANSWER_STUB
    feedback = GenerateFeedback.class_traits()["preprocessors"].default()
    config.GenerateFeedback.preprocessors = [ClearHiddenTests, *feedback]
    return config
