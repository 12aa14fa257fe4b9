"""The ``tito`` command line."""


def main() -> None:
    raise SystemExit("tito: under construction")
