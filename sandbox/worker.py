"""The worker: runs calls into a student's package and answers with plain data.

Started (usually inside the sandbox) as ``python -m sandbox.worker MODULE...``; imports
each named package module into one namespace, then reads requests, one JSON line each on
stdin, and writes one JSON line per answer. Everything in this process is the student's
domain: whatever their code does here can only change their own answers, which the judge
checks in another process. The student's own prints go to /dev/null, not the answer channel.

Request: ``{"name": str, "source": str | null, "freevars": [str], "closure": [plain], "args":
[plain]}``. With a source, ``name`` is a function defined by it (a test's helper, run here
with its closure values); without one, ``name`` is a public name of the student's package.
Answer: ``{"value": plain}`` or ``{"error": {"type", "bases", "message"}}``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import textwrap
import traceback

from sandbox import plain

MAX_MESSAGE = 2000


def _error(error: BaseException) -> dict:
    bases = [cls.__name__ for cls in type(error).__mro__[1:] if cls.__module__ == "builtins"]
    message = str(error)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " …"
    return {"error": {"type": type(error).__name__, "bases": bases, "message": message}}


def load(modules: list[str]) -> tuple[dict, BaseException | None]:
    """The namespace the calls run in: numpy as np and the modules' public names. The last
    module is the one under test: its failure to import fails every call. The others are
    prerequisites: one that fails is left out (if the module needs it, its own import fails
    with that error, which names the module to complete)."""
    import numpy as np

    namespace: dict = {"np": np, "__name__": "student"}
    for position, name in enumerate(modules, 1):
        try:
            module = importlib.import_module(name)
        except BaseException as error:  # any failure is the student's: report it per call
            if position < len(modules):
                continue
            return namespace, error
        public = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
        namespace.update({n: getattr(module, n) for n in public if hasattr(module, n)})
    return namespace, None


def _function(request: dict, namespace: dict):
    if request.get("source") is None:
        return namespace[request["name"]]
    freevars = request.get("freevars", [])
    outer = (f"def __tito_outer__({', '.join(freevars)}):\n"
             + textwrap.indent(textwrap.dedent(request["source"]), "    ")
             + f"\n    return {request['name']}\n")
    scope = dict(namespace)
    exec(compile(outer, "<test>", "exec"), scope)
    closure = [plain.load(value) for value in request.get("closure", [])]
    return scope["__tito_outer__"](*closure)


def answer(request: dict, namespace: dict, failure: BaseException | None) -> str:
    if failure is not None:
        return json.dumps(_error(failure))
    try:
        function = _function(request, namespace)
        args = [plain.load(arg) for arg in request.get("args", [])]
        value = function(*args)
        return '{"value":' + plain.encode(value) + "}"
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: report, go on
        return json.dumps(_error(error))


def main(modules: list[str]) -> None:
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(quiet, fd)
    namespace, failure = load(modules)
    channel.write('{"ready":true}\n')
    for line in requests:
        try:
            request = json.loads(line)
        except ValueError:
            traceback.print_exc()
            continue
        channel.write(answer(request, namespace, failure) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
