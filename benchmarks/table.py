"""The benchmarks' result table: rich when available (and not ``plain``), else plain text."""

from __future__ import annotations

from collections.abc import Sequence


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]],
                plain: bool, left_columns: int = 1) -> None:
    """Print ``rows`` under ``header``; the first ``left_columns`` are labels (left-aligned),
    the rest figures (right-aligned)."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        plain = True
    if not plain:
        table = Table(title=title, title_justify="left")
        for i, column in enumerate(header):
            table.add_column(column, justify="left" if i < left_columns else "right")
        for row in rows:
            table.add_row(*row)
        Console(width=max(120, len(title) + 4)).print(table)
        return
    print(title)
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(c).ljust(w) if i < left_columns else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
