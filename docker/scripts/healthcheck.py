"""A container's HEALTHCHECK: healthy (exit 0) when URL answers HTTP below 500 within
TIMEOUT seconds (a login redirect or a 403 is a live server), else exit 1 with one line.

    python healthcheck.py URL [TIMEOUT]
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is an answer: the server is up


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: healthcheck.py URL [TIMEOUT]", file=sys.stderr)
        return 2
    url, timeout = argv[0], float(argv[1]) if len(argv) > 1 else 5.0
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
    if status >= 500:
        print(f"unhealthy: {url} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
