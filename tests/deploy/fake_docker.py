"""A stand-in for the ``docker`` CLI (no engine runs here): it appends each call's
arguments, as a JSON line, to ``$FAKE_DOCKER_LOG``, and for ``docker run`` runs the command
after the image name on this machine, as the container would: its mounts' destinations
(``/scratch``, ``/submission``) replaced by their sources in the command, the environment
and the working directory. Volumes are folders here:
``$FAKE_DOCKER_VOLUMES`` maps each volume's name to one (JSON). As in the sandbox image,
whose Python has no reference ``tinytorch``, the command's Python does not find this
checkout's (an editable install's finder would put it before the student's package).
Every other command (``build``, ``version``) only records.

:func:`install` writes it as ``docker`` into a folder, for the tests to put first on PATH.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# docker run's options that take a value (the others used here are flags).
VALUED = {"--mount", "--env", "-e", "--workdir", "-w", "--user", "-u", "--network",
          "--memory", "--memory-swap", "--cpus", "--pids-limit", "--ulimit", "--tmpfs",
          "--cap-drop", "--cap-add", "--security-opt", "--label", "--log-driver", "--ipc",
          "--name", "--hostname"}


# Loaded by the command's Python after its .pth files (so after the editable install's
# finder): forget where the reference package is.
SITECUSTOMIZE = """\
import sys
for _name, _module in list(sys.modules.items()):
    if _name.startswith("__editable__") and isinstance(getattr(_module, "MAPPING", None), dict):
        _module.MAPPING.pop("tinytorch", None)
"""


def install(folder: Path) -> Path:
    """Write the fake as ``folder/docker`` (run by this Python) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "docker"
    path.write_text(f"#!{sys.executable}\n" + Path(__file__).read_text(encoding="utf-8"),
                    encoding="utf-8")
    path.chmod(0o755)
    return path


def parse_run(args: list[str]) -> tuple[list[tuple[str, str]], str, list[str]]:
    """``docker run`` arguments → ([(option, value)], image, command)."""
    options: list[tuple[str, str]] = []
    index = 0
    while index < len(args) and args[index].startswith("-"):
        option = args[index]
        if "=" in option:
            name, _, value = option.partition("=")
            options.append((name, value))
        elif option in VALUED:
            index += 1
            options.append((option, args[index]))
        else:
            options.append((option, ""))
        index += 1
    return options, args[index], args[index + 1:]


def mount_source(spec: str, volumes: dict[str, str]) -> tuple[str, str]:
    """A ``--mount`` spec → (destination, the folder here that it shows)."""
    fields = dict(item.partition("=")[::2] for item in spec.split(","))
    if fields["type"] == "volume":
        source = Path(volumes[fields["src"]]) / fields.get("volume-subpath", "")
    else:
        source = Path(fields["src"])
    return fields["dst"], str(source)


def run(args: list[str]) -> None:
    options, _image, command = parse_run(args)
    volumes = json.loads(os.environ.get("FAKE_DOCKER_VOLUMES", "{}"))
    places = dict(mount_source(value, volumes) for name, value in options if name == "--mount")

    def here(text: str) -> str:
        """A path (or a PATH-like list of them) inside the container → here."""
        parts = []
        for part in text.split(":"):
            for dest, source in places.items():
                if part == dest or part.startswith(dest + "/"):
                    part = source + part[len(dest):]
                    break
            parts.append(part)
        return ":".join(parts)

    env = {"PATH": os.environ["PATH"]}
    for name, value in options:
        if name in ("--env", "-e"):
            key, _, setting = value.partition("=")
            env[key] = here(setting)
    image_site = Path(os.environ["FAKE_DOCKER_LOG"]).parent / "image-site"
    image_site.mkdir(exist_ok=True)
    (image_site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env["PYTHONPATH"] = ":".join(filter(None, [env.get("PYTHONPATH"), str(image_site)]))
    workdir = next((here(value) for name, value in options if name in ("--workdir", "-w")), ".")
    # As the caller (not --user's uid): the folders above a mount here are the caller's,
    # where a container sees only the mount.
    argv = [here(item) for item in command]
    os.chdir(workdir)
    os.execvpe(argv[0], argv, env)


def main() -> None:
    args = sys.argv[1:]
    with open(os.environ["FAKE_DOCKER_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(args) + "\n")
    if args and args[0] == "run":
        run(args[1:])
    elif args and args[0] == "version":
        print("Docker version 27.5.1 (fake, for tests)")


if __name__ == "__main__":
    main()
