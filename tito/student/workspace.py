"""A student's workspace: their module notebooks and their own writable ``tinytorch``.

Layout (the root is ``TITO_WORKSPACE``; on the hub, the student's home)::

    modules/01_tensor/tensor.ipynb   the student's notebook (never overwritten by tito)
    tinytorch/...                    the student's package; put first on PYTHONPATH
    .tito/progress.json              last export and test results per module
    .tito/backups/                   copies kept before reset

A module not yet exported is a placeholder file whose import fails with an error that
names the module to complete.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from tito.authoring.export import module_code, package_init
from tito.errors import TitoError
from tito.files import write_atomic
from tito.manifest import Course, Module
from tito.project import display

PLACEHOLDER = "# Placeholder written by tito: this module is not exported yet."


def placeholder(module: Module) -> str:
    """The stand-in for a module the student has not exported: importing it explains why."""
    return (f"{PLACEHOLDER}\n"
            f"raise ImportError(\n"
            f"    \"{module.target} is not exported yet: complete module {module.label} \"\n"
            f"    \"(modules/{module.slug}/{module.id}.ipynb) and run "
            f"'tito module export {module.id}'.\"\n"
            f")\n")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Workspace:
    root: Path
    course: Course

    def notebook(self, module: Module) -> Path:
        return self.root / "modules" / module.slug / f"{module.id}.ipynb"

    def package_file(self, module: Module) -> Path:
        return self.root / module.target_path

    @property
    def _progress_file(self) -> Path:
        return self.root / ".tito" / "progress.json"

    def init(self, releases: dict[str, Path]) -> dict[str, str]:
        """Create what is missing: the package skeleton and, from ``releases`` (module id →
        released notebook), each module's notebook. Never overwrites a student's file.
        Returns module id → ``created`` or ``kept``."""
        self._ensure_packages(self.course.packages())
        for module in self.course.modules:
            if not self.package_file(module).exists():
                write_atomic(self.package_file(module), placeholder(module))
        actions: dict[str, str] = {}
        for module_id, release in releases.items():
            target = self.notebook(self.course.module(module_id))
            if target.exists():
                actions[module_id] = "kept"
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(release, target)
                actions[module_id] = "created"
        return actions

    def _ensure_packages(self, packages: list[str]) -> None:
        for package in packages:
            init = self.root / Path(*package.split(".")) / "__init__.py"
            if not init.exists():
                write_atomic(init, package_init(package))

    def read_notebook(self, module: Module) -> NotebookNode:
        """The student's notebook; a clear error if it is missing or not a valid notebook."""
        path = self.notebook(module)
        if not path.exists():
            raise TitoError(f"{display(path)} does not exist: run 'tito module start "
                            f"{module.id}' to get the module's notebook")
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as error:  # nbformat raises JSON, validation and encoding errors
            reason = str(error).strip().splitlines()[0] if str(error).strip() else \
                type(error).__name__
            raise TitoError(
                f"{display(path)} is not a valid notebook ({reason}): repair it in a text "
                f"editor, or run 'tito module reset {module.id}' to start from a fresh copy "
                f"(your file is backed up first)") from None
        claimed = notebook.metadata.get("tinytorch", {}).get("module")
        if claimed not in (None, module.id):
            raise TitoError(f"{display(path)} is the notebook of module '{claimed}', not "
                            f"'{module.id}': put module {module.id}'s notebook there")
        return notebook

    def is_exported(self, module: Module) -> bool:
        path = self.package_file(module)
        return path.exists() and not path.read_text(encoding="utf-8").startswith(PLACEHOLDER)

    def export(self, module: Module) -> Path:
        """Write the student's ``#| export`` cells into their package. On any error nothing
        is written."""
        notebook = self.read_notebook(module)
        relative = f"modules/{module.slug}/{module.id}.ipynb"
        header = (f"# Exported by `tito module export {module.id}` from your notebook\n"
                  f"# {relative}. Edit the notebook, not this file.")
        try:
            code = module_code(notebook, module, header)
        except TitoError as error:
            raise TitoError(f"{display(self.notebook(module))}: {error}") from None
        target = self.package_file(module)
        self._ensure_packages(self.course.packages([module]))
        write_atomic(target, code)
        self.record(module, exported_at=now())
        return target

    def reset(self, module: Module, release: Path) -> list[Path]:
        """Back up the student's notebook and exported module, then restore the released
        notebook and the placeholder. Returns the backups made."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup_dir = self.root / ".tito" / "backups" / module.id / stamp
        backups = []
        for path in (self.notebook(module), self.package_file(module)):
            if path.exists() and not path.read_text(encoding="utf-8", errors="replace") \
                    .startswith(PLACEHOLDER):
                backup_dir.mkdir(parents=True, exist_ok=True)
                backups.append(Path(shutil.copy2(path, backup_dir / path.name)))
        self.notebook(module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(release, self.notebook(module))
        write_atomic(self.package_file(module), placeholder(module))
        self.record(module, reset_at=now(), exported_at=None, tests=None)
        return backups

    def progress(self) -> dict[str, dict]:
        try:
            return json.loads(self._progress_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def record(self, module: Module, **facts: object) -> None:
        progress = self.progress()
        entry = progress.setdefault(module.id, {})
        entry.update(facts)
        write_atomic(self._progress_file, json.dumps(progress, indent=2, sort_keys=True) + "\n")
