"""The grading service's students' API, as a lab calls it: with the lab's hub token."""

from __future__ import annotations

import base64
from urllib.parse import quote

import requests
from nbgrader.exchange import ExchangeError

# What the hub's spawner sets in every lab's environment: the service and the lab's token.
URL_VARIABLE = "TINYTORCH_GRADER_URL"
TOKEN_VARIABLE = "JUPYTERHUB_API_TOKEN"


def _decode(files: dict[str, str]) -> dict[str, bytes]:
    return {name: base64.b64decode(content) for name, content in files.items()}


class GraderClient:
    """Calls to the grading service at ``url`` (ending in ``/services/grader/``) as the
    owner of ``token``, who is the only student the service will act for."""

    def __init__(self, url: str, token: str, timeout: float = 120) -> None:
        self.url = url if url.endswith("/") else f"{url}/"
        self.token = token
        self.timeout = timeout

    def module_url(self, module_id: str, *rest: str) -> str:
        parts = ["api/assignments", quote(module_id, safe=""), *(quote(p, safe="") for p in rest)]
        return self.url + "/".join(parts)

    def request(self, method: str, url: str, body: dict | None = None) -> dict:
        """``method url`` as JSON; the service's own message when it refuses."""
        try:
            answer = requests.request(method, url, json=body, timeout=self.timeout,
                                      headers={"Authorization": f"token {self.token}"})
        except requests.RequestException as error:
            raise ExchangeError(f"cannot reach the grading service at {self.url} ({error}): "
                                "try again in a minute; if it persists, tell your "
                                "instructor") from None
        if answer.status_code >= 400:
            try:
                reason = answer.json()["error"]
            except (ValueError, KeyError, TypeError):
                reason = answer.reason
            raise ExchangeError(f"the grading service refused ({answer.status_code}): {reason}")
        return answer.json()

    def assignments(self) -> dict:
        """``{"student": name, "assignments": [...]}``: the released modules with the
        caller's hand-ins (see ``SubmissionStore.overview``)."""
        return self.request("GET", f"{self.url}api/assignments")

    def release(self, module_id: str) -> dict[str, bytes]:
        """The released files of ``module_id`` by relative name."""
        return _decode(self.request("GET", self.module_url(module_id, "release"))["files"])

    def submit(self, module_id: str, files: dict[str, bytes]) -> dict[str, str]:
        """Hand in ``files``; returns ``{"module", "student", "timestamp"}``."""
        body = {"files": {name: base64.b64encode(data).decode("ascii")
                          for name, data in files.items()}}
        return self.request("POST", self.module_url(module_id, "submissions"), body)

    def feedback(self, module_id: str) -> list[tuple[str, dict[str, bytes]]]:
        """(hand-in timestamp, feedback files by name) for each hand-in with feedback."""
        answer = self.request("GET", self.module_url(module_id, "feedback"))
        return [(item["timestamp"], _decode(item["files"])) for item in answer["feedback"]]
