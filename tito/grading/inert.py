"""Student notebooks rendered inert, wherever staff or students look at them as HTML.

A student writes their notebook's markdown and, through their code, its outputs and their
metadata, so everything nbconvert would put into a page can carry markup. Three layers
keep that markup from running:

1. :func:`inert_notebook`: the few places where nbconvert's and nbgrader's templates put
   notebook data into HTML unescaped (image sizes, prompt numbers, nbgrader's cell ids)
   only ever receive numbers and safe ids; widget state and extracted-file paths are
   dropped.
2. :class:`InertHTMLExporter`: markdown, HTML, SVG and JavaScript outputs pass one
   allowlist (:func:`clean_html`): formatting tags only, no event handlers, links to
   http(s), mail or the page itself, images from the page's origin or data URIs.
3. A Content-Security-Policy (:func:`content_security_policy`) that lets a page run only
   its template's own inline scripts, identified by hash from a rendering of the same page
   without any cell (:meth:`InertHTMLExporter.from_notebook_node`), so a script that came
   from the notebook has no hash to match even if it got past 1 and 2.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import bleach
from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode
from traitlets import Bool

from tito.authoring.test_cells import label_of
from tito.exchange import score_meta
from tito.grading.feedback import feedback_summary, points

# Ids that may appear in URLs, file names and HTML: the course's module, notebook and
# student names, nbgrader's cell ids. Not "." or "..": an id is never a path step.
SAFE_ID = re.compile(r"(?!\.+$)[A-Za-z0-9._-]+")

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol",
    "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul"})
_ATTRIBUTES = {"*": {"class", "id", "title"}, "a": {"href"},
               "img": {"src", "alt", "width", "height"},
               "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align"}}
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z")
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*):")
# Link schemes a reader may follow; anything else (javascript:, data:, vbscript:) is
# dropped with its attribute.
_LINK_SCHEMES = {"http", "https", "mailto"}
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}
OUTPUT_KEYS = {"output_type", "data", "metadata", "execution_count", "name", "text", "ename",
               "evalue", "traceback"}
NOTEBOOK_METADATA = {"kernelspec", "language_info"}


def is_safe_id(value: str) -> bool:
    """Whether ``value`` is a name that is safe in a URL, a path step and HTML."""
    return SAFE_ID.fullmatch(value) is not None


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name not in _ATTRIBUTES["*"] | _ATTRIBUTES.get(tag, set()):
        return False
    if name == "href":
        scheme = _SCHEME.match(value)
        return scheme is None or scheme.group(1).lower() in _LINK_SCHEMES
    if name == "src":  # relative (the submission's own files) or an embedded raster image
        return _SCHEME.match(value) is None or _IMAGE_DATA.match(value) is not None
    return True


# Protocols are checked by _allowed_attribute (images may be data: URIs, links may not), so
# bleach's own protocol check lets every scheme through to it.
_CLEANER = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=_allowed_attribute,
                          protocols={"http", "https", "mailto", "data"}, strip=True,
                          strip_comments=True)


def clean_html(html: str | bytes) -> str:
    """``html`` with only formatting markup left: no script, style, event handler, frame,
    form or object, and no link that runs code."""
    text = html.decode("utf-8") if isinstance(html, bytes) else str(html)
    return _CLEANER.clean(text)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def _inert_output_metadata(metadata: dict) -> dict:
    """Per-mimetype output metadata with only what the templates use, in the types they
    expect (nbconvert writes width and height into an unquoted attribute)."""
    kept: dict[str, dict] = {}
    for mimetype, values in metadata.items():
        if not isinstance(values, dict):
            continue
        entry: dict[str, Any] = {}
        for size in ("width", "height"):
            if _number(values.get(size)) is not None:
                entry[size] = values[size]
        for flag in ("unconfined", "isolated"):
            if isinstance(values.get(flag), bool):
                entry[flag] = values[flag]
        if isinstance(values.get("alt"), str):
            entry["alt"] = values["alt"]
        kept[mimetype] = NotebookNode(entry)
    return kept


def _inert_output(output: NotebookNode) -> NotebookNode | None:
    if output.get("output_type") not in OUTPUT_TYPES:
        return None
    kept = NotebookNode({key: value for key, value in output.items() if key in OUTPUT_KEYS})
    if "metadata" in kept:
        kept.metadata = NotebookNode(_inert_output_metadata(kept.metadata))
    if "execution_count" in kept and _number(kept.execution_count) is None:
        kept.execution_count = None
    return kept


def _inert_cell_metadata(metadata: NotebookNode) -> None:
    grading = metadata.get("nbgrader")
    if isinstance(grading, dict):
        # nbgrader's templates put the cell id into HTML unescaped, and its points through
        # a float filter: a cell that breaks either is shown as an ordinary cell.
        grade_id = grading.get("grade_id", "")
        points = grading.get("points", 0)
        if not (isinstance(grade_id, str) and is_safe_id(grade_id)) or _number(points) is None:
            del metadata["nbgrader"]
    tags = metadata.get("tags")
    if tags is not None:
        metadata["tags"] = [tag for tag in tags if isinstance(tag, str) and is_safe_id(tag)] \
            if isinstance(tags, list) else []


def inert_notebook(notebook: NotebookNode) -> NotebookNode:
    """A copy of ``notebook`` whose data can only reach a page's HTML escaped or as the
    numbers and ids the templates expect."""
    notebook = copy.deepcopy(notebook)
    notebook.metadata = NotebookNode({key: value for key, value in notebook.metadata.items()
                                      if key in NOTEBOOK_METADATA})
    for cell in notebook.cells:
        _inert_cell_metadata(cell.setdefault("metadata", NotebookNode()))
        if cell.get("cell_type") == "code":
            if _number(cell.get("execution_count")) is None:
                cell.execution_count = None
            cell.outputs = [kept for kept in map(_inert_output, cell.get("outputs", []))
                            if kept is not None]
    return notebook


@dataclass(frozen=True)
class InlineCode:
    """The inline scripts and event-handler attributes of a page, as a browser hashes them."""

    scripts: tuple[str, ...] = ()
    handlers: tuple[str, ...] = ()

    @classmethod
    def of(cls, html: str) -> InlineCode:
        """The inline code of the page ``html``."""
        parser = _InlineCodeParser()
        parser.feed(html)
        parser.close()
        return cls(tuple(parser.scripts), tuple(parser.handlers))


class _InlineCodeParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [value for name, value in attrs if name.startswith("on") and value]
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._script = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None


def _hash(code: str) -> str:
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(inline: InlineCode = InlineCode(), *, meta: bool = False) -> str:
    """The policy of a page whose own inline code is ``inline``: scripts from the page's
    origin and those inline scripts and handlers only (no ``'unsafe-inline'``), no plugins,
    no images from elsewhere (no beacons), inline styles allowed (nbconvert's and
    formgrader's pages need them, and CSS runs no script). ``meta``: for a
    ``<meta http-equiv>`` tag, where ``frame-ancestors`` does not apply."""
    scripts = ["'self'", *sorted(set(map(_hash, inline.scripts)))]
    if inline.handlers:
        # 'unsafe-hashes' allows exactly these handler texts (formgrader's
        # onclick="toggle_name(true);"), never a handler with other text.
        scripts += ["'unsafe-hashes'", *sorted(set(map(_hash, inline.handlers)))]
    directives = ["default-src 'self'", f"script-src {' '.join(scripts)}",
                  "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
                  "font-src 'self' data:", "object-src 'none'", "base-uri 'none'",
                  "form-action 'self'"]
    if not meta:
        directives.append("frame-ancestors 'self'")
    return "; ".join(directives)


# tito's page templates, each extending nbgrader's of the same page: nbgrader's template
# name (set by GenerateFeedback and formgrader) → tito's.
TEMPLATES = Path(__file__).parent / "templates"
OWN_TEMPLATES = {"feedback": "tinytorch-feedback", "formgrade": "tinytorch-formgrade"}

_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


class InertHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter with student content made inert (see the module's doc).

    ``resources["inline_code"]`` is the template's own inline code (from the same page
    rendered without cells) and the page carries the matching policy in a
    ``<meta http-equiv="Content-Security-Policy">``, so it stays inert where it is opened
    as a file (feedback) too.
    """

    # Not configurable: a course's config cannot switch the sanitizer off.
    sanitize_html = Bool(True, help="Always on.")

    def __init__(self, config: Any = None, **kw: Any) -> None:
        super().__init__(config=config, **kw)
        own = OWN_TEMPLATES.get(self.template_name)
        if own:
            # tito's template first; nbgrader's folders stay searchable by path, so that
            # tito's can extend 'feedback/index.html.j2'.
            nbgrader = list(self.extra_template_basedirs)
            self.extra_template_basedirs = [str(TEMPLATES), *nbgrader]
            self.extra_template_paths = [*self.extra_template_paths, *nbgrader]
            self.template_name = own
            self.template_paths = self._template_paths()

    def default_filters(self) -> Iterator[tuple[str, Any]]:
        """nbconvert's filters, with its ``clean_html`` replaced by :func:`clean_html`, and
        what tito's templates use: ``feedback_summary``, ``test_label``, ``points``."""
        yield from super().default_filters()
        yield ("clean_html", clean_html)
        yield ("feedback_summary", feedback_summary)
        yield ("test_label", label_of)
        yield ("points", points)

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        """Markdown rendered, then cleaned (nbgrader's templates render markdown cells
        without nbconvert's sanitizer)."""
        return clean_html(HTMLExporter.markdown2html(self, context, source))

    def from_notebook_node(self, nb: NotebookNode, resources: dict | None = None,
                           **kw: Any) -> tuple[str, dict]:
        """The page of ``nb``, inert, with its template's inline code in
        ``resources["inline_code"]``."""
        nb = inert_notebook(nb)
        skeleton = copy.deepcopy(nb)
        skeleton.cells = []
        template_only, _ = super().from_notebook_node(skeleton, copy.deepcopy(resources), **kw)
        html, resources = super().from_notebook_node(nb, resources, **kw)
        inline = InlineCode.of(template_only)
        resources["inline_code"] = inline
        policy = content_security_policy(inline, meta=True)
        tags = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        graded = resources.get("nbgrader", {})
        if "score" in graded:  # a feedback page (nbgrader's GetGrades scored it)
            # Added after nbconvert's own rewriting of the page, which reorders attributes.
            tags += "\n" + score_meta(graded["score"], graded["max_score"])
        return _HEAD.sub(lambda head: head.group(0) + tags, html, count=1), resources
