"""Hand-ins a student's token sends the grading service through the hub's proxy, as the
lab's exchange sends them: one too large is refused from its headers, before the service
reads (or holds) its body; too many files, a file inside a file and every kind of bad name
are refused with what to do, never a 500; none of them writes anything."""

from __future__ import annotations

import base64
import http.client
import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from grading_service.core.submissions import MAX_SUBMISSION_BYTES, MAX_SUBMISSION_FILES
from tests.hub.client import SERVICE, Hub
from tests.hub.course import submissions
from tito.exchange import COURSE_ID

pytestmark = pytest.mark.slow

SUBMIT = f"{SERVICE}/api/assignments/setup/submissions"


def released(hub: Hub) -> bytes:
    return (hub.state.exchange / COURSE_ID / "outbound" / "setup" / "setup.ipynb").read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def inbound(hub: Hub) -> list[str]:
    folder = hub.state.exchange / COURSE_ID / "inbound"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def hand_in(hub: Hub, files: dict[str, bytes]) -> tuple[int, str]:
    """alice hands ``files`` in; the status and the service's message."""
    answer = hub.grader("alice", "POST", "api/assignments/setup/submissions",
                        json={"files": {name: b64(data) for name, data in files.items()}})
    return answer.status_code, answer.json().get("error", "")


@pytest.fixture
def nothing_written(hub: Hub) -> Iterator[None]:
    """The test's refusals leave the exchange's inbound as it was."""
    before = inbound(hub)
    yield
    assert inbound(hub) == before


def test_a_declared_size_over_the_limit_is_refused_before_the_body_is_read(
        hub: Hub, nothing_written: None) -> None:
    """The headers promise 1 GB; after its first MB (the proxy passes a request on with
    its first bytes), the 413 comes back, the rest never sent."""
    url = urlsplit(hub.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    started = time.monotonic()
    connection.putrequest("POST", SUBMIT)
    for header, value in {"Authorization": f"token {hub.token('alice')}",
                          "Content-Type": "application/json",
                          "Content-Length": str(10**9)}.items():
        connection.putheader(header, value)
    connection.endheaders(b'{"files": {"setup.ipynb": "' + b"A" * 2**20)
    answer = connection.getresponse()
    elapsed = time.monotonic() - started
    assert answer.status == 413
    error = json.loads(answer.read())["error"]
    assert error.startswith("the submission of setup is 953.7 MB as sent (base64 in JSON), "
                            f"more than the {MAX_SUBMISSION_BYTES // 2**20} MB allowed: leave "
                            "data files and outputs you do not need out of it"), error
    assert elapsed < 10, elapsed  # an answer to the headers, not a timeout of the body
    connection.close()


def test_a_hand_in_over_the_limit_gets_413_with_the_limit(hub: Hub,
                                                          nothing_written: None) -> None:
    status, error = hand_in(hub, {"setup.ipynb": released(hub),
                                  "weights.bin": bytes(MAX_SUBMISSION_BYTES + 1)})
    assert status == 413
    assert f"more than the {MAX_SUBMISSION_BYTES // 2**20} MB allowed" in error
    assert "Clear Outputs of All Cells" in error


def test_a_chunked_body_over_the_limit_is_cut_off(hub: Hub, nothing_written: None) -> None:
    """Without a Content-Length the service reads up to the limit, then hangs up (and the
    proxy answers 503 or 400): no client of the course sends one, the lab's exchange and
    browsers send a Content-Length."""
    def body() -> Iterator[bytes]:
        yield b'{"files": {"setup.ipynb": "'
        for _ in range(40):
            yield b"A" * 2**20
        yield b'"}}'

    try:
        answer = hub.grader("alice", "POST", "api/assignments/setup/submissions", data=body())
    except OSError:  # the connection closed while the body was still being sent
        return
    # The proxy's answer for a peer that hung up mid-body: 503, or 400 when it had not
    # finished sending either (seen on a loaded machine); never the service's 201.
    assert answer.status_code in (400, 503), answer.text


def test_a_hand_in_within_the_limit_is_taken(hub: Hub) -> None:
    before = len(submissions(hub, "alice", "setup"))
    status, error = hand_in(hub, {"setup.ipynb": released(hub),
                                  "data.bin": bytes(MAX_SUBMISSION_BYTES // 2)})
    assert (status, error) == (201, "")
    assert len(submissions(hub, "alice", "setup")) == before + 1


def test_too_many_files_are_refused_naming_the_limit(hub: Hub, nothing_written: None) -> None:
    files = {"setup.ipynb": released(hub),
             **{f"data/{i}.txt": b"x" for i in range(MAX_SUBMISSION_FILES)}}
    assert hand_in(hub, files) == (400, (
        f"the submission of setup holds {MAX_SUBMISSION_FILES + 1} files, more than the "
        f"{MAX_SUBMISSION_FILES} allowed: hand in the notebook and the files it needs, not "
        "whole folders"))


# extra files → what the refusal says; each goes with the module's notebook and writes
# nothing.
BAD_HAND_INS = {
    "a and a/b": ({"data": b"x", "data/x": b"x"},
                  "'data/x' puts a file inside 'data', which is a file of the hand-in"),
    "a/b and a": ({"data/x/y": b"x", "data/x": b"x"},
                  "'data/x/y' puts a file inside 'data/x', which is a file of the hand-in"),
    "the exchange's file as a folder": ({"timestamp.txt/x": b"x"},
                                        "puts a file inside 'timestamp.txt', which is a file "
                                        "of the hand-in (or a name the exchange keeps"),
    "absolute": ({"/etc/cron.d/x": b"x"}, "is an absolute path"),
    "parent": ({"../bob/setup.ipynb": b"x"}, "contains '..'"),
    "parent inside": ({"data/../../x": b"x"}, "contains '..'"),
    "empty": ({"": b"x"}, "'' is not a plain relative file name"),
    "NUL": ({"data/x\0.txt": b"x"}, "is not a plain relative file name"),
    "backslash": ({"data\\..\\x": b"x"}, "is not a plain relative file name"),
    "trailing slash": ({"data/": b"x"}, "is not a plain relative file name"),
    "lone surrogate": ({"data/\ud800.txt": b"x"}, "is not a valid Unicode name"),
    "too long": ({"x" * 256: b"x"},
                 "is too long a name (at most 1024 bytes, 255 per folder or file name)"),
    "too deep": ({"d/" * 600 + "x": b"x"}, "is too long a name"),
}


@pytest.mark.parametrize(("extra", "message"), BAD_HAND_INS.values(), ids=BAD_HAND_INS.keys())
def test_bad_names_are_refused_with_a_message(hub: Hub, nothing_written: None,
                                              extra: dict[str, bytes], message: str) -> None:
    status, error = hand_in(hub, {"setup.ipynb": released(hub), **extra})
    assert status == 400, error
    assert message in error, error
