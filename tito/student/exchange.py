"""A student's side of the exchange: ``tito fetch``, ``submit`` and ``feedback`` on their
workspace, which lays out modules differently from nbgrader's ``<id>/`` folders.

It uses whichever exchange nbgrader's configuration files name, as nbgrader's own
commands do: in a hub lab, the hub's (``grading_service.lab_exchange``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from nbgrader.apps.baseapp import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError, ExchangeFactory
from nbgrader.exchange.default import Exchange as FilesystemExchange
from traitlets.config import Config

from tito.errors import TitoError
from tito.exchange import exchange_config, stamp_folder
from tito.manifest import Module
from tito.student.workspace import Workspace


def nbgrader_config_files() -> Config:
    """The settings of the ``nbgrader_config.py`` files nbgrader's own commands read: in
    the current folder and on Jupyter's configuration path (a hub lab's names the hub's
    exchange there)."""
    app = NbGrader(log_level="ERROR")  # no warning when there is no file: tito's defaults
    app.load_config_file()
    return app.config


class StudentExchange:
    """A student's side of the exchange, on their workspace.

    ``exchange`` is the folder of nbgrader's filesystem exchange, used unless the
    configuration files name another exchange; ``student`` names the student to it (by
    default nbgrader's: the login name). Other exchanges identify the student themselves.
    """

    def __init__(self, workspace: Workspace, exchange: Path, student: str | None = None) -> None:
        self.workspace = workspace
        self.exchange = exchange
        self.student = student

    def _config(self, module: Module, staging: Path) -> Config:
        config = exchange_config(Config(), self.exchange)
        config.merge(nbgrader_config_files())
        config.CourseDirectory.assignment_id = module.id
        if self.student:
            config.CourseDirectory.student_id = self.student
        config.Exchange.assignment_dir = str(staging)
        config.Exchange.cache = str(self.workspace.root / ".tito" / "exchange-cache")
        return config

    def _run(self, action: str, module: Module, staging: Path) -> None:
        config = self._config(module, staging)
        app = getattr(ExchangeFactory(config=config), action)(
            coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config),
            config=config)
        if isinstance(app, FilesystemExchange) and not Path(app.root).is_dir():
            raise TitoError(f"there is no course exchange at {app.root}: ask your "
                            "instructor to release the module, or set TITO_EXCHANGE to the "
                            "course's exchange directory")
        try:
            app.start()
        except ExchangeError as error:
            raise TitoError(f"{module.id}: {error}") from None

    def fetch(self, module: Module) -> str:
        """Put the released notebook of ``module`` in the workspace unless the student has
        one (theirs is never replaced). Returns ``created`` or ``kept``."""
        with tempfile.TemporaryDirectory(prefix="tito-fetch-") as staging:
            try:
                self._run("FetchAssignment", module, Path(staging))
            except TitoError as error:
                raise TitoError(f"{error}: has the instructor released it?") from None
            fetched = Path(staging) / module.id / f"{module.id}.ipynb"
            return self.workspace.init({module.id: fetched})[module.id]

    def submit(self, module: Module) -> Path:
        """Hand in the workspace's notebook of ``module``; the exchange stamps it with the
        time. Refuses a notebook that does not read, changing nothing."""
        self.workspace.read_notebook(module)
        with tempfile.TemporaryDirectory(prefix="tito-submit-") as staging:
            folder = Path(staging) / module.id
            folder.mkdir()
            shutil.copyfile(self.workspace.notebook(module), folder / f"{module.id}.ipynb")
            self._run("Submit", module, Path(staging))
        return self.workspace.notebook(module)

    def feedback(self, module: Module) -> list[Path]:
        """Copy every released feedback on the student's submissions of ``module`` into
        ``modules/<folder>/feedback/<submitted at>/``. Returns the feedback files, newest
        last."""
        nothing_yet = (f"no feedback on your submissions of {module.id} yet: it appears once "
                       "your instructor releases it")
        with tempfile.TemporaryDirectory(prefix="tito-feedback-") as staging:
            try:
                self._run("FetchFeedback", module, Path(staging))
            except TitoError as error:
                if "no course exchange" in str(error):
                    raise
                raise TitoError(f"{nothing_yet} ({error})") from None
            fetched = Path(staging) / module.id / "feedback"
            target = self.workspace.notebook(module).parent / "feedback"
            files = []
            for html in sorted(fetched.glob("*/*.html")):
                destination = target / stamp_folder(html.parent.name) / html.name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(html, destination)
                files.append(destination)
        if not files:
            raise TitoError(nothing_yet)
        return files
