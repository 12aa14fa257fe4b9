"""Grading, instructor side: the nbgrader course directory, the course actions (release,
collect, autograde, feedback) shared by the CLI and the grading service, the autograde
preprocessors that call into :mod:`sandbox`, and the reports."""
