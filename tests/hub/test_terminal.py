"""A student's terminal in their hub lab, driven over its websocket as JupyterLab drives it:
the shell knows who the student is (a passwd and group entry of their own inside the
sandbox) and finds the course's Python, NumPy, the student's own ``tinytorch`` and
``tito``, as the modules' instructions expect."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub_config.spawner import lab_accounts
from tests.hub.client import Hub
from tests.terminal import Terminal

pytestmark = pytest.mark.slow

# The hub runs its labs with the Python that runs the tests (tests/hub/client.py).
COURSE_BIN = Path(sys.executable).parent


def open_terminal(hub: Hub, user: str) -> Terminal:
    """A new terminal in ``user``'s lab, as JupyterLab opens one: POST to the terminals API,
    then the terminal's websocket."""
    hub.start_lab(user)
    answer = hub.call(hub.token(user), "POST", f"/user/{user}/api/terminals")
    answer.raise_for_status()
    name = answer.json()["name"]
    url = f"{hub.url.replace('http', 'ws', 1)}/user/{user}/terminals/websocket/{name}"
    return Terminal(url, hub.token(user))


def test_a_students_terminal_knows_them_and_finds_the_course(hub: Hub) -> None:
    with open_terminal(hub, "alice") as terminal:
        assert terminal.run("whoami") == "alice"
        assert terminal.run("id -un; id -gn") == "alice\nalice"
        assert terminal.run("echo $HOME; pwd") == "/home/alice\n/home/alice"
        assert terminal.run("which python tito").splitlines() == [
            str(COURSE_BIN / "python"), str(COURSE_BIN / "tito")]
        assert terminal.run('python -c "import numpy, tinytorch; print(tinytorch.__file__)"'
                            ) == "/home/alice/tinytorch/__init__.py"
        assert "Usage: tito" in terminal.run("tito --help")
        uid = terminal.run("id -u")
        assert terminal.run("getent passwd alice") == (
            f"alice:x:{uid}:{uid}::/home/alice:/bin/bash")
        assert terminal.run("getent passwd bob; echo $?") == "2"  # no other student's entry
        assert terminal.run("{ echo x >> /etc/passwd; } 2>/dev/null; echo $?") == "1"
    assert "I have no name!" not in terminal.transcript
    assert "alice@" in terminal.transcript  # the prompt names the student


def test_each_lab_has_its_own_account(hub: Hub) -> None:
    with open_terminal(hub, "bob") as terminal:
        assert terminal.run("whoami; getent passwd alice; echo $?") == "bob\n2"


def test_a_python_the_students_bashrc_puts_first_comes_after_the_courses(hub: Hub) -> None:
    """As conda's and pyenv's start-up lines do; the course's instructions mean its own."""
    with open_terminal(hub, "carol") as terminal:
        terminal.run("mkdir -p ~/bin && printf '#!/bin/sh\\necho other' > ~/bin/python && "
                     "chmod +x ~/bin/python && echo 'PATH=~/bin:$PATH' >> ~/.bashrc")
    with open_terminal(hub, "carol") as terminal:
        found = terminal.run("which -a python").splitlines()
        assert found[0] == str(COURSE_BIN / "python")
        assert "/home/carol/bin/python" in found  # the student's line did run


HOST_PASSWD = """root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000:Alice on the host:/home/alice:/bin/zsh
other:x:61003:100::/home/other:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
"""
HOST_GROUP = "root:x:0:\nalice:x:1000:\nlabs:x:61003:\n"


def test_a_labs_accounts_are_the_hosts_with_the_lab_user_in_place_of_any_namesake() -> None:
    passwd, group = lab_accounts("alice", 61003, HOST_PASSWD, HOST_GROUP)
    assert passwd.splitlines() == [
        "root:x:0:0:root:/root:/bin/bash",
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
        "alice:x:61003:61003::/home/alice:/bin/bash"]
    assert group.splitlines() == ["root:x:0:", "alice:x:61003:"]
