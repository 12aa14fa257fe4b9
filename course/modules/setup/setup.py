# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 00: Setup — your environment, your package, your workflow
#
# **By the end of this module you will have built** the first file of your own deep
# learning framework: a greeting that proves your package works, a version parser and an
# environment checker that tell you (and your instructor) exactly what your code runs on,
# a memory calculator that predicts how many bytes an array needs without allocating it,
# and a timer that measures code instead of guessing about it. You will also have run, once,
# the loop you will repeat in every module: implement → test → export → submit.
#
# | | |
# |---|---|
# | **Prerequisites** | none (Python and a little NumPy) |
# | **Time** | about 1 hour |
# | **Your code lands in** | `tinytorch.core.setup` |
# | **Next** | Module 01 builds `Tensor`: its `memory_footprint()` is your `array_bytes` |

# %% locked="setup-imports"
import numpy as np
import pytest
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## Why this exists
#
# **TinyTorch** is a deep learning framework you write yourself, in NumPy, one module at a
# time. Each module follows the same rhythm: **build** a piece (a tensor, a layer, an
# optimizer), **use** it on real data, **understand** what it costs in memory and time,
# then **repeat** with the next piece on top. The model we copy is PyTorch: the names
# (`Tensor`, `backward()`, `Module.parameters()`, `optim.step()`) and the behaviour are
# PyTorch's, so what you learn here transfers directly.
#
# Everything you write goes into *your own* Python package, `tinytorch`. When you export a
# module, its code lands in your writable copy of the package, which Python imports ahead of
# anything installed. Module 01 imports your module 00, module 03 imports your module 02,
# and at the end you train a small GPT with nothing but code you wrote. There is no hidden
# reference implementation doing the work: if your `Tensor` is slow, your GPT is slow.
#
# Why start with "setup" instead of tensors? Because code that is right can still fail
# because of where it runs: a different NumPy version, a different Python, a package that is
# missing on the grading machine, a laptop that cannot hold the model in memory. Production
# frameworks take this seriously: PyTorch exposes `torch.__version__`, ships
# `python -m torch.utils.collect_env` (whose output PyTorch's bug-report template asks for),
# and its benchmarks use `torch.utils.benchmark.Timer` rather than a stopwatch. You will
# build small versions of all three today, and measure — not guess — what memory and time
# your code costs.
#
# ## The workflow you will repeat in every module
#
# ```
#  read ──► implement an exercise ──► run its test cell (✓ / ✗) ──► … ──► answer the questions
#                                                                                │
#  next module ◄── submit ◄── tito module test setup ◄── tito module export setup ◄┘
# ```
#
# 1. **Read** the explanation above each exercise.
# 2. **Implement** the exercise cell. In your notebook each function body is a stub that
#    raises `NotImplementedError`; replace it with your code. Cells starting with
#    `#| export` are the ones that go into your package.
# 3. **Run the test cell** right below it. It prints `✓ test_name` or
#    `✗ test_name: what is wrong`. Fix and re-run until every line is ✓. When your notebook is
#    graded, more tests run (the *hidden* tests): they probe edge cases the visible ones do
#    not, so read each docstring carefully instead of coding to the visible tests.
# 4. **Answer** the three ML-systems questions at the end, in your own words, from your own
#    measurements.
# 5. **Export**: in a terminal, `tito module export setup` copies every `#| export` cell into
#    your package as `tinytorch/core/setup.py`.
# 6. **Test the package**: `tito module test setup` runs the same tests with pytest against
#    the exported package — the way the grader runs them, in a fresh process, not in this
#    notebook's memory.
# 7. **Submit** the notebook: in a terminal, `tito submit setup` sends it to your course,
#    which grades it with the visible and the hidden tests.
#
# Two habits save hours: *restart the kernel and run all cells* before you export (the
# notebook must work top to bottom, not just in the order you happened to run it), and read
# error messages to the end — in this course every error says what is wrong and how to fix it,
# and the code you write must do the same.

# %% [markdown]
# ## Concepts
#
# **Versions are tuples of numbers, not strings.** `"3.9" < "3.10"` is `False` in Python,
# because strings compare character by character and `"9" > "1"`. Version numbers compare
# part by part as integers: `(3, 9) < (3, 10)`. Real version strings carry suffixes:
# `2.1.0rc1` (a release candidate), `1.26.4+cpu` (a local build label), `2.4.0.dev0` (a
# development build). We keep the leading run of dot-separated numbers and ignore the rest,
# and we pad with zeros so `3.10` and `3.10.0` are equal. That is a simplification of the full
# standard (PEP 440, implemented by `packaging.version.Version`, which also orders `2.1.0rc1`
# *before* `2.1.0`), good enough to check minimum versions.
#
# **Memory is arithmetic.** An array stores `numel` elements of `itemsize` bytes each, where
# `numel` is the product of the shape:
#
# $$\text{bytes} = \Big(\prod_i \text{shape}_i\Big) \times \text{itemsize}(\text{dtype})$$
#
# A `(1000, 1000)` float32 matrix is $10^6 \times 4 = 4\,000\,000$ bytes = 4 MB. A shape with
# a 0 in it holds nothing; the 0-d shape `()` is a single scalar (the product of no numbers is
# 1). NumPy reports this as `arr.nbytes`; PyTorch as `t.element_size() * t.numel()` (or
# `t.nbytes`). You can compute it *before* allocating anything — which is how you find out
# that a model does not fit before your machine starts swapping.
#
# **Time is measured, best of N.** A single timing is noisy: the first call may pay for cache
# misses or lazy initialisation, and the operating system may interrupt you at any moment.
# Noise only ever *adds* time, so the minimum over several runs is the best estimate of
# what the code itself costs. `time.perf_counter()` is Python's high-resolution wall clock;
# `timeit.repeat` and PyTorch's `torch.utils.benchmark.Timer` do the same thing with more
# options.

# %% [markdown]
# ## Build, one piece at a time
#
# The first cell below is given: the imports your package needs and a helper that reports
# which version of `tinytorch` is in use. Run it, then start with `hello_tinytorch`.

# %%
#| export
import importlib.metadata
import importlib.util
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def tinytorch_version() -> str:
    """Return the version of the tinytorch package in use (given: not an exercise).

    The package's own ``__version__`` if it is imported and has one, else the installed
    distribution's version, else ``"0.0.0+dev"``. PyTorch equivalent: ``torch.__version__``.
    """
    version = getattr(sys.modules.get("tinytorch"), "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version("tinytorch")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0+dev"


# %% [markdown]
# ### 1. `hello_tinytorch`: your package says hello
#
# Your first function is small on purpose: it exercises the whole loop (implement, test,
# export, import from your package) with as little code as possible. It also sets the
# standard for every function you write in this course: **check the input and fail with a
# message that says what is wrong and how to fix it.** A `TypeError` means "wrong kind of
# value" (a number where a string belongs); a `ValueError` means "right kind, bad value"
# (an empty string). Python's built-ins and PyTorch follow the same convention.

# %% solution="hello-tinytorch"
#| export
def hello_tinytorch(name: str = "student") -> str:
    """Return a one-line greeting that includes ``name`` and the TinyTorch version.

    ``name`` is stripped of surrounding whitespace. Raises ``TypeError`` if it is not a
    ``str`` and ``ValueError`` if nothing is left of it.

    TODO: Validate ``name`` and return exactly
          ``f"Hello, {name}! Welcome to TinyTorch {tinytorch_version()}."``
          with surrounding whitespace stripped from ``name``.

    APPROACH:
    1. If ``name`` is not a ``str``, raise ``TypeError`` with a message that names the type
       you got, e.g. ``"name must be a str, got int: call hello_tinytorch('Ada')"``.
    2. Strip surrounding whitespace. If nothing is left, raise ``ValueError`` with a message
       that mentions ``name``, e.g. ``"name must be a non-empty string, e.g. ..."``.
    3. Return the greeting, using the given ``tinytorch_version()`` for the version.

    EXAMPLE:
    >>> hello_tinytorch("Ada")
    'Hello, Ada! Welcome to TinyTorch 0.1.0.'
    >>> hello_tinytorch("")
    Traceback (most recent call last):
    ValueError: name must be a non-empty string, e.g. hello_tinytorch('Ada'); got ''

    HINTS:
    - ``isinstance(name, str)`` checks the type; ``type(name).__name__`` names it.
    - ``"  Ada ".strip()`` is ``"Ada"``; an empty string is falsy.
    - Check the type *before* calling ``.strip()``: ``None.strip()`` raises an
      ``AttributeError`` that tells the caller nothing useful.
    """
    ### BEGIN SOLUTION
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a str, got {type(name).__name__}: call hello_tinytorch('Ada')"
        )
    stripped = name.strip()
    if not stripped:
        raise ValueError(
            f"name must be a non-empty string, e.g. hello_tinytorch('Ada'); got {name!r}"
        )
    return f"Hello, {stripped}! Welcome to TinyTorch {tinytorch_version()}."
    ### END SOLUTION


# %%
print(hello_tinytorch())
print(hello_tinytorch("Ada"))


# %% test="hello-tinytorch-tests" points=8
def test_hello_default_name(run):
    version = run("tinytorch_version")
    greeting = run("hello_tinytorch")
    expected = f"Hello, student! Welcome to TinyTorch {version}."
    assert type(greeting) is str, (
        f"hello_tinytorch() must return a str, got {type(greeting).__name__}: {greeting!r}"
    )
    assert greeting == expected, f"hello_tinytorch() should return {expected!r}, got {greeting!r}"


def test_hello_custom_name(run):
    version = run("tinytorch_version")
    greeting = run("hello_tinytorch", "Ada")
    expected = f"Hello, Ada! Welcome to TinyTorch {version}."
    assert greeting == expected, (
        f"hello_tinytorch('Ada') should return {expected!r}, got {greeting!r}"
    )


def test_hello_empty_name_raises_value_error(run):
    with pytest.raises(ValueError, match="name"):
        run("hello_tinytorch", "")


run_tests(test_hello_default_name, test_hello_custom_name, test_hello_empty_name_raises_value_error)
### BEGIN HIDDEN TESTS
def test_hello_strips_whitespace(run):
    version = run("tinytorch_version")
    greeting = run("hello_tinytorch", "  Grace \n")
    expected = f"Hello, Grace! Welcome to TinyTorch {version}."
    assert greeting == expected, (
        f"hello_tinytorch('  Grace \\n') should strip the name and return {expected!r}, "
        f"got {greeting!r}"
    )


def test_hello_blank_name_raises_value_error(run):
    for blank in ["   ", "\t\n"]:
        with pytest.raises(ValueError, match="name"):
            run("hello_tinytorch", blank)


def test_hello_non_string_raises_type_error(run):
    def greet(name):
        hello_tinytorch(name)  # only the exception counts: the greeting is not sent back

    for bad in [None, 42, ["Ada"]]:
        with pytest.raises(TypeError, match="str"):
            run(greet, bad)


run_tests(
    test_hello_strips_whitespace,
    test_hello_blank_name_raises_value_error,
    test_hello_non_string_raises_type_error,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 2. `parse_version`: from text to numbers
#
# Every package reports its version as a string (`np.__version__` is `"2.4.6"` or similar;
# `torch.__version__` can be `"2.3.0+cpu"`). To compare versions you first turn the string
# into a tuple of integers. Keep the leading run of dot-separated numbers and ignore whatever
# suffix follows:
#
# | text | parsed |
# |---|---|
# | `"3.11.7"` | `(3, 11, 7)` |
# | `"2.1.0rc1"` | `(2, 1, 0)` |
# | `"1.26.4+cpu"` | `(1, 26, 4)` |
# | `"2.4.0.dev0"` | `(2, 4, 0)` |
# | `"abc"` | `ValueError` naming `'abc'` |
#
# Careful: "split on dots and call `int`" fails on `"2.1.0rc1"`, and "find every number in
# the string" turns it into `(2, 1, 0, 1)`.

# %% solution="parse-version"
#| export
def parse_version(text: str) -> tuple[int, ...]:
    """Parse the numeric release part of a version string into a tuple of ints.

    ``"2.1.0rc1"`` gives ``(2, 1, 0)``: suffixes such as ``rc1``, ``+cpu`` or ``.dev0`` are
    ignored (``packaging.version.Version(text).release``). Raises ``TypeError`` if ``text``
    is not a ``str`` and ``ValueError`` if it does not start with a number.

    TODO: Return the leading dot-separated numbers of ``text`` as a tuple of Python ints,
          ignoring any suffix (``rc1``, ``+cpu``, ``.dev0``, ``.post1``, ...).

    APPROACH:
    1. If ``text`` is not a ``str``, raise ``TypeError`` naming the type you got.
    2. Strip surrounding whitespace.
    3. Match the leading ``digits(.digits)*`` at the start of the string. If there is none
       (an empty string, ``"abc"``, ``".5"``), raise ``ValueError`` whose message contains
       ``repr(text)`` and says what a valid version looks like.
    4. Split the matched part on ``"."`` and convert each piece with ``int``.

    EXAMPLE:
    >>> parse_version("3.11.7")
    (3, 11, 7)
    >>> parse_version("1.26.4+cpu")
    (1, 26, 4)
    >>> parse_version("abc")
    Traceback (most recent call last):
    ValueError: cannot parse version 'abc': expected numbers separated by dots, like '3.11.7'

    HINTS:
    - ``re.match(r"[0-9]+(?:\\.[0-9]+)*", s)`` matches at the start of ``s`` only and returns
      ``None`` when there is no match; ``.group()`` is the matched text.
    - Without ``re``: walk the characters while they are digits or dots, then drop a trailing
      dot (``"2.4.0.dev0"`` would leave ``"2.4.0."``).
    - ``int("09")`` is ``9``, so ``"3.09"`` parses to ``(3, 9)``.
    - Python equivalent: ``packaging.version.Version(text).release``.
    """
    ### BEGIN SOLUTION
    if not isinstance(text, str):
        raise TypeError(
            f"version must be a str like '3.11.7', got {type(text).__name__}: {text!r}"
        )
    match = re.match(r"[0-9]+(?:\.[0-9]+)*", text.strip())
    if match is None:
        raise ValueError(
            f"cannot parse version {text!r}: expected numbers separated by dots, like '3.11.7'"
        )
    return tuple(int(part) for part in match.group().split("."))
    ### END SOLUTION


# %%
for text in ["3.11.7", "2.1.0rc1", "1.26.4+cpu", np.__version__]:
    print(f"{text!r:>14} -> {parse_version(text)}")


# %% test="parse-version-tests" points=12
def test_parse_version_plain(run):
    def parse(text):
        result = parse_version(text)
        return type(result).__name__, result if type(result) is tuple else repr(result)

    for text, expected in [("3.11.7", (3, 11, 7)), ("1.26", (1, 26))]:
        kind, result = run(parse, text)
        assert kind == "tuple", (
            f"parse_version({text!r}) must return a tuple, got {kind}: {result}"
        )
        assert all(type(part) is int for part in result), (
            f"parse_version({text!r}) must contain Python ints, got {result!r}"
        )
        assert result == expected, f"parse_version({text!r}) should be {expected}, got {result}"


def test_parse_version_ignores_suffixes(run):
    for text, expected in [("2.1.0rc1", (2, 1, 0)), ("1.26.4+cpu", (1, 26, 4))]:
        result = run("parse_version", text)
        assert type(result) is tuple and result == expected, (
            f"parse_version({text!r}) should keep only the leading numbers {expected}, "
            f"got {result!r}"
        )


def test_parse_version_invalid_raises_value_error(run):
    with pytest.raises(ValueError) as error:
        run("parse_version", "abc")
    assert "abc" in str(error.value), (
        f"the ValueError for 'abc' must name the text it could not parse, got: {error.value}"
    )


run_tests(
    test_parse_version_plain,
    test_parse_version_ignores_suffixes,
    test_parse_version_invalid_raises_value_error,
)
### BEGIN HIDDEN TESTS
def test_parse_version_dev_post_and_local_suffixes(run):
    cases = [
        ("2.4.0.dev0", (2, 4, 0)),
        ("1.0.post1", (1, 0)),
        ("3.12.0b2", (3, 12, 0)),
        ("2.3.0a0+git1234", (2, 3, 0)),
    ]
    for text, expected in cases:
        result = run("parse_version", text)
        assert type(result) is tuple and result == expected, (
            f"parse_version({text!r}) should be {expected} (ignore everything after the "
            f"leading numbers), got {result!r}"
        )


def test_parse_version_whitespace_single_number_and_leading_zero(run):
    cases = [(" 3.11.7\n", (3, 11, 7)), ("7", (7,)), ("3.09", (3, 9))]
    for text, expected in cases:
        result = run("parse_version", text)
        assert type(result) is tuple and result == expected, (
            f"parse_version({text!r}) should be {expected}, got {result!r}"
        )


def test_parse_version_empty_and_non_numeric_start_raise(run):
    for text in ["", ".5", "rc1", "v"]:
        with pytest.raises(ValueError) as error:
            run("parse_version", text)
        assert repr(text) in str(error.value), (
            f"the ValueError for {text!r} must contain {text!r} so the user sees the bad "
            f"text, got: {error.value}"
        )


def test_parse_version_non_string_raises_type_error(run):
    def parse(bad):
        parse_version(bad)  # only the exception counts: the result is not sent back

    for bad in [3.11, None, (3, 11)]:
        with pytest.raises(TypeError):
            run(parse, bad)


run_tests(
    test_parse_version_dev_post_and_local_suffixes,
    test_parse_version_whitespace_single_number_and_leading_zero,
    test_parse_version_empty_and_non_numeric_start_raise,
    test_parse_version_non_string_raises_type_error,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 3. `version_at_least`: compare numbers, not strings
#
# With both versions as tuples, Python's tuple comparison does the rest — almost. Tuples
# compare element by element, and a shorter tuple that is a prefix of a longer one counts as
# *smaller*: `(3, 10) < (3, 10, 0)` is `True`. But `"3.10"` and `"3.10.0"` name the same
# release. Pad the shorter tuple with zeros to the length of the longer one before comparing.
#
# Python equivalent: `packaging.version.Version(version) >= packaging.version.Version(minimum)`.

# %% solution="version-at-least"
#| export
def version_at_least(version: str, minimum: str) -> bool:
    """Return True when ``version`` is the same as or newer than ``minimum``.

    Compares the numbers of :func:`parse_version`, missing parts counting as 0 (``"3.10"``
    equals ``"3.10.0"``), like ``Version(version) >= Version(minimum)``. Raises
    ``ValueError`` if either cannot be parsed.

    TODO: Parse both strings with your ``parse_version``, pad the shorter tuple with zeros,
          and compare.

    APPROACH:
    1. ``have = parse_version(version)``, ``need = parse_version(minimum)`` (invalid text
       raises ``ValueError`` there; let it propagate, do not return False).
    2. Pad both with zeros to the same length, so ``"3.10"`` equals ``"3.10.0"``.
    3. Return ``have >= need`` (a Python ``bool``).

    EXAMPLE:
    >>> version_at_least("3.11.7", "3.10")
    True
    >>> version_at_least("3.9", "3.10")   # as strings, "3.9" >= "3.10" would be True
    False
    >>> version_at_least("3.10", "3.10.0")
    True

    HINTS:
    - ``(1, 2) + (0,) * 2`` is ``(1, 2, 0, 0)``.
    - Suffixes are already gone after parsing: ``"1.26.4+cpu"`` counts as ``1.26.4``.
    """
    ### BEGIN SOLUTION
    have = parse_version(version)
    need = parse_version(minimum)
    width = max(len(have), len(need))
    have = have + (0,) * (width - len(have))
    need = need + (0,) * (width - len(need))
    return have >= need
    ### END SOLUTION


# %% test="version-at-least-tests" points=8
def test_version_at_least_newer_older_equal(run):
    cases = [("3.11.7", "3.10", True), ("1.26.4", "2.0", False), ("2.0.0", "2.0.0", True)]
    for version, minimum, expected in cases:
        result = run("version_at_least", version, minimum)
        assert type(result) is bool, (
            f"version_at_least must return a Python bool (True or False), got {result!r}"
        )
        assert result is expected, (
            f"version_at_least({version!r}, {minimum!r}) should be {expected}, got {result}"
        )


def test_version_at_least_numpy_meets_its_own_version(run):
    result = run("version_at_least", np.__version__, np.__version__)
    assert result is True, (
        f"a version must be at least itself: version_at_least({np.__version__!r}, "
        f"{np.__version__!r}) should be True, got {result!r}"
    )


run_tests(
    test_version_at_least_newer_older_equal,
    test_version_at_least_numpy_meets_its_own_version,
)
### BEGIN HIDDEN TESTS
def test_version_at_least_pads_missing_parts_with_zeros(run):
    cases = [("3.10", "3.10.0", True), ("3.10.0", "3.10", True), ("3", "3.0.1", False)]
    for version, minimum, expected in cases:
        result = run("version_at_least", version, minimum)
        assert result is expected, (
            f"version_at_least({version!r}, {minimum!r}) should be {expected} "
            f"(pad the shorter version with zeros), got {result!r}"
        )


def test_version_at_least_compares_numbers_not_strings(run):
    cases = [("3.9", "3.10", False), ("1.10", "1.9", True), ("10.0", "9.9", True)]
    for version, minimum, expected in cases:
        result = run("version_at_least", version, minimum)
        assert result is expected, (
            f"version_at_least({version!r}, {minimum!r}) should be {expected} "
            f"(compare parts as integers, not as strings), got {result!r}"
        )


def test_version_at_least_ignores_suffixes(run):
    cases = [("1.26.4+cpu", "1.26", True), ("2.0.post1", "2.0.0", True),
             ("1.25.2rc1", "1.26", False)]
    for version, minimum, expected in cases:
        result = run("version_at_least", version, minimum)
        assert result is expected, (
            f"version_at_least({version!r}, {minimum!r}) should be {expected}, got {result!r}"
        )


def test_version_at_least_invalid_version_raises(run):
    with pytest.raises(ValueError):
        run("version_at_least", "", "1.0")
    with pytest.raises(ValueError):
        run("version_at_least", "1.0", "latest")


run_tests(
    test_version_at_least_pads_missing_parts_with_zeros,
    test_version_at_least_compares_numbers_not_strings,
    test_version_at_least_ignores_suffixes,
    test_version_at_least_invalid_version_raises,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 4. `check_environment`: facts instead of "works on my machine"
#
# Now put the pieces together into the check every module's first cell could run. Each
# requirement is a name and a minimum version; the result is one `Check` per requirement,
# in order. The special name `"python"` means the interpreter itself
# (`platform.python_version()`); every other name is an installed package, whose version
# `importlib.metadata.version(name)` reads from the package's installed metadata *without
# importing it* (importing a package runs all of its start-up code, which for a large one
# like `torch` means loading hundreds of megabytes of libraries just to read a string).
#
# The most important rule: **a check reports, it never crashes.** A missing package is the
# very thing a checker exists to find, so it becomes a failing `Check` with a `fix` the
# student can paste into a terminal, not a `PackageNotFoundError` traceback. Note the quotes
# in the fix: in a shell, `pip install numpy>=1.26` would redirect output into a file called
# `=1.26`.
#
# `Check` and the course's `REQUIREMENTS` are given. PyTorch equivalents: `pip check`, and
# `python -m torch.utils.collect_env`, which prints the versions of everything that matters.

# %%
#| export
@dataclass(frozen=True)
class Check:
    """One line of an environment report (given: not an exercise).

    name:     ``"python"`` or a package's distribution name, e.g. ``"numpy"``
    required: the minimum version, e.g. ``"1.26"``
    found:    the installed version, or ``None`` when the package is not installed
    ok:       ``True`` when ``found`` is at least ``required``
    fix:      ``""`` when ok, else what to do about it, e.g.
              ``'pip install --upgrade "numpy>=1.26"'``
    """

    name: str
    required: str
    found: str | None
    ok: bool
    fix: str


# What TinyTorch itself needs: Python 3.11+ and NumPy 1.26+ (the same as its pyproject.toml).
REQUIREMENTS: dict[str, str] = {"python": "3.11", "numpy": "1.26"}


# %% solution="check-environment"
#| export
def check_environment(requirements: dict[str, str] | None = None) -> list[Check]:
    """Check Python and installed packages against minimum versions; never raise for them.

    ``requirements`` maps ``"python"`` or a distribution name to its minimum version
    (``None``: the course's ``REQUIREMENTS``). Returns one :class:`Check` per requirement,
    in order (like ``pip check`` and ``python -m torch.utils.collect_env``).

    TODO: Return one ``Check`` per item of ``requirements`` (name -> minimum version), in
          the dict's order. ``None`` means the course's ``REQUIREMENTS``; an empty dict means
          no checks (return ``[]``).

    APPROACH:
    For each ``name, minimum``:
    1. ``found``: if ``name == "python"``, ``platform.python_version()`` (e.g. ``"3.11.7"``);
       otherwise ``importlib.metadata.version(name)``, or ``None`` if that raises
       ``importlib.metadata.PackageNotFoundError``.
    2. ``ok``: ``found is not None`` and ``version_at_least(found, minimum)``. If the
       installed version cannot be parsed (``ValueError``), the check fails; do not crash.
    3. ``fix``: ``""`` when ok. Otherwise, for a package:
       ``f'pip install --upgrade "{name}>={minimum}"'``; for ``"python"``: a sentence that
       says to install Python ``minimum`` or newer and recreate the environment with it.
    4. Append ``Check(name, minimum, found, ok, fix)``.

    EXAMPLE:
    >>> check_environment({"numpy": "1.26", "no-such-package": "1.0"})
    [Check(name='numpy', required='1.26', found='2.4.6', ok=True, fix=''),
     Check(name='no-such-package', required='1.0', found=None, ok=False,
           fix='pip install --upgrade "no-such-package>=1.0"')]

    HINTS:
    - ``requirements or REQUIREMENTS`` is a trap: ``{}`` is falsy. Test ``is None``.
    - Do not use ``sys.version`` for Python: it is ``"3.11.7 (main, ...) [GCC ...]"``.
    - ``found is not None and version_at_least(...)`` never calls ``version_at_least`` with
      ``None``, and is a ``bool``.
    """
    ### BEGIN SOLUTION
    if requirements is None:
        requirements = REQUIREMENTS
    checks = []
    for name, minimum in requirements.items():
        if name == "python":
            found = platform.python_version()
            fix = (
                f"install Python {minimum} or newer, then recreate your virtual environment "
                f"with it (python{minimum} -m venv .venv)"
            )
        else:
            try:
                found = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                found = None
            fix = f'pip install --upgrade "{name}>={minimum}"'
        try:
            ok = found is not None and version_at_least(found, minimum)
        except ValueError:
            ok = False  # an installed version we cannot read: reinstalling fixes it
        checks.append(Check(name=name, required=minimum, found=found, ok=ok, fix="" if ok else fix))
    return checks
    ### END SOLUTION


# %%
for check in check_environment():
    print(check)


# %% test="check-environment-tests" points=14
def test_check_environment_default_requirements_pass_here(run):
    def default_checks():
        checks = check_environment()
        items = checks if isinstance(checks, (list, tuple)) else []
        rows = [
            {"name": c.name, "required": c.required, "found": c.found, "ok": c.ok, "fix": c.fix}
            if isinstance(c, Check) else type(c).__name__
            for c in items
        ]
        return type(checks).__name__, rows, list(REQUIREMENTS)

    kind, rows, requirements = run(default_checks)
    assert kind == "list", f"check_environment() must return a list, got {kind}"
    others = [row for row in rows if type(row) is not dict]
    assert not others, f"every item must be a Check, got items of type {others}"
    names = [row["name"] for row in rows]
    assert names == requirements, (
        f"check_environment() should check {requirements} in that order, got {names}"
    )
    failing = [row for row in rows if not row["ok"]]
    assert not failing, (
        f"this environment does not meet TinyTorch's requirements: {failing} "
        "(run each check's fix, or ask your instructor)"
    )


def test_check_environment_installed_package(run):
    def numpy_checks():
        checks = check_environment({"numpy": "1.0"})
        rows = [
            {"name": c.name, "required": c.required, "found": c.found, "ok": c.ok, "fix": c.fix}
            for c in checks
        ]
        return type(checks).__name__, rows

    kind, rows = run(numpy_checks)
    assert kind == "list" and len(rows) == 1, (
        f"one requirement must give a list of one Check, got a {kind} of {rows!r}"
    )
    check = rows[0]
    assert (check["name"], check["required"]) == ("numpy", "1.0"), (
        f"the Check must keep the name and required version as given, got {check!r}"
    )
    assert check["found"] == np.__version__, (
        f"found should be numpy's installed version {np.__version__!r}, got {check['found']!r}"
    )
    assert check["ok"] is True and check["fix"] == "", (
        f"numpy {np.__version__} satisfies >= 1.0: expected ok=True and fix='', got {check!r}"
    )


def test_check_environment_missing_package_is_a_failing_check(run):
    def checks_for(requirements):
        return [
            {"name": c.name, "required": c.required, "found": c.found, "ok": c.ok, "fix": c.fix}
            for c in check_environment(requirements)
        ]

    name = "tinytorch-no-such-package"
    rows = run(checks_for, {name: "1.0"})
    assert len(rows) == 1, f"expected one Check, got {rows!r}"
    check = rows[0]
    assert check["found"] is None, f"a missing package must have found=None, got {check['found']!r}"
    assert check["ok"] is False, f"a missing package must have ok=False, got {check['ok']!r}"
    fix = check["fix"]
    assert type(fix) is str and "pip install" in fix and f"{name}>=1.0" in fix, (
        f"the fix for a missing package must be a pip install of '{name}>=1.0', got {fix!r}"
    )


run_tests(
    test_check_environment_default_requirements_pass_here,
    test_check_environment_installed_package,
    test_check_environment_missing_package_is_a_failing_check,
)
### BEGIN HIDDEN TESTS
def test_check_environment_too_old_package(run):
    def first_check(requirements):
        c = check_environment(requirements)[0]
        return {"name": c.name, "required": c.required, "found": c.found, "ok": c.ok, "fix": c.fix}

    check = run(first_check, {"numpy": "999.0"})
    assert check["found"] == np.__version__, (
        f"found should be the installed version {np.__version__!r} even when it is too old, "
        f"got {check['found']!r}"
    )
    assert check["ok"] is False, (
        f"numpy {np.__version__} is not >= 999.0: ok must be False, got {check['ok']!r}"
    )
    fix = check["fix"]
    assert type(fix) is str and "pip install" in fix and "numpy>=999.0" in fix, (
        f"the fix for an old numpy must pip install 'numpy>=999.0', got {fix!r}"
    )


def test_check_environment_python(run):
    def first_check(requirements):
        c = check_environment(requirements)[0]
        return {"name": c.name, "required": c.required, "found": c.found, "ok": c.ok, "fix": c.fix}

    passing = run(first_check, {"python": "3.0"})
    found = passing["found"]
    assert passing["name"] == "python" and type(found) is str, (
        f"the python Check must have name 'python' and found a str, got {passing!r}"
    )
    assert " " not in found and found.split(".")[0] == "3", (
        f"found for python should look like '3.11.7' (platform.python_version()), got {found!r}"
    )
    assert passing["ok"] is True and passing["fix"] == "", (
        f"Python {found} is >= 3.0, got {passing!r}"
    )
    failing = run(first_check, {"python": "99.0"})
    assert failing["found"] == found and failing["ok"] is False, (
        f"Python {found} is not >= 99.0: expected found={found!r}, ok=False, got {failing!r}"
    )
    assert type(failing["fix"]) is str and "99.0" in failing["fix"], (
        f"the fix for an old Python must name the version needed (99.0), got {failing['fix']!r}"
    )


def test_check_environment_order_and_types(run):
    def checks_for(requirements):
        return [
            {"name": c.name, "required": c.required, "found": c.found, "ok": c.ok, "fix": c.fix}
            for c in check_environment(requirements)
        ]

    requirements = {"numpy": "1.0", "tinytorch-missing-xyz": "0.1", "python": "3.0"}
    rows = run(checks_for, requirements)
    names = [row["name"] for row in rows]
    assert names == list(requirements), (
        f"checks must follow the dict's order {list(requirements)}, got {names}"
    )
    assert [row["required"] for row in rows] == list(requirements.values()), (
        f"required must be the minimum versions as given, got {[row['required'] for row in rows]}"
    )
    assert [type(row["ok"]) for row in rows] == [bool, bool, bool], (
        f"ok must be a Python bool (True or False) in every Check, "
        f"got {[row['ok'] for row in rows]}"
    )
    assert [row["ok"] for row in rows] == [True, False, True], (
        f"expected ok values [True, False, True], got {[row['ok'] for row in rows]}"
    )


def test_check_environment_empty_dict_and_defaults_unchanged(run):
    def empty_then_default():
        before = dict(REQUIREMENTS)
        checks = check_environment({})
        check_environment(None)
        return type(checks).__name__, repr(checks), before, dict(REQUIREMENTS)

    kind, shown, before, after = run(empty_then_default)
    assert kind == "list" and shown == "[]", (
        f"an empty requirements dict means no checks: expected [], got {shown} "
        "(test `requirements is None`, not truthiness)"
    )
    assert before == after, (
        f"check_environment must not modify REQUIREMENTS: it was {before}, then {after}"
    )


run_tests(
    test_check_environment_too_old_package,
    test_check_environment_python,
    test_check_environment_order_and_types,
    test_check_environment_empty_dict_and_defaults_unchanged,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 5. `system_info`: what is this code running on?
#
# When something behaves differently on two machines, the first question is what the
# machines are. `system_info` collects the answers in one dictionary: the Python version and
# *which* Python (a notebook kernel can run a different interpreter than your terminal), the
# operating system, the NumPy version, how many CPU cores the machine has, and — the one that
# matters most in this course — **which copy of `tinytorch` Python imports**. Your exported
# code only counts if Python imports *your* copy, and you can only export into it if it is
# writable.
#
# `importlib.util.find_spec("tinytorch")` finds the package without running it (and returns
# the already-imported one if there is one). Its `submodule_search_locations` lists the
# package's directories; the first is where `import tinytorch.core...` looks first.
#
# PyTorch equivalents: `python -m torch.utils.collect_env`, `torch.__config__.show()` and
# `torch.get_num_threads()`.

# %% solution="system-info"
#| export
def system_info() -> dict:
    """Describe the machine and the Python environment this code runs in.

    Returns a dict with exactly these keys (like ``python -m torch.utils.collect_env``):

    ====================== ======================================================== ==========
    key                    value                                                    type
    ====================== ======================================================== ==========
    ``python_version``     ``platform.python_version()``, e.g. ``"3.11.7"``         str
    ``python_executable``  ``sys.executable``, the interpreter running this code    str
    ``platform``           ``platform.platform()``, e.g. ``"Linux-6.1-x86_64..."``  str
    ``numpy_version``      ``np.__version__``                                       str
    ``cpu_count``          ``os.cpu_count()``, or 1 if that returns None            int
    ``tinytorch_path``     absolute directory of the ``tinytorch`` package Python   str / None
                           imports, or None when it cannot be found
    ``tinytorch_writable`` whether that directory is writable (False if None)       bool
    ====================== ======================================================== ==========

    TODO: build and return that dict.

    APPROACH:
    1. ``spec = importlib.util.find_spec("tinytorch")``. If ``spec`` is None or has no
       ``submodule_search_locations``, the path is None; otherwise it is
       ``os.path.abspath`` of the first location (``list(locations)[0]``).
    2. Writable: ``os.access(path, os.W_OK)`` when the path is not None, else False.
    3. Build and return the dict.

    EXAMPLE:
    >>> info = system_info()
    >>> info["numpy_version"] == np.__version__, info["tinytorch_writable"]
    (True, True)

    HINTS:
    - ``path is not None and os.access(...)`` evaluates to ``False`` (a bool) when the path
      is None; ``path and os.access(...)`` would evaluate to ``None``.
    - Use ``os.path.abspath``, not ``os.path.realpath``: the path must match where Python
      loads your files from, symlinks and all.
    """
    ### BEGIN SOLUTION
    spec = importlib.util.find_spec("tinytorch")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    package_dir = os.path.abspath(locations[0]) if locations else None
    return {
        "python_version": platform.python_version(),
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "numpy_version": np.__version__,
        "cpu_count": os.cpu_count() or 1,
        "tinytorch_path": package_dir,
        "tinytorch_writable": package_dir is not None and os.access(package_dir, os.W_OK),
    }
    ### END SOLUTION


# %%
for key, value in system_info().items():
    print(f"{key:>18}: {value}")


# %% test="system-info-tests" points=8
def test_system_info_keys_and_types(run):
    def described():
        def type_name(value):  # np.bool_ is also called "bool": name the module too
            kind = type(value)
            if kind.__module__ == "builtins":
                return kind.__qualname__
            return f"{kind.__module__}.{kind.__qualname__}"

        info = system_info()
        if type(info) is not dict:
            return type_name(info), {}
        simple = (str, int, bool, type(None))
        return "dict", {
            str(key): (type_name(value), value if type(value) in simple else repr(value))
            for key, value in info.items()
        }

    expected_types = {
        "python_version": ("str",),
        "python_executable": ("str",),
        "platform": ("str",),
        "numpy_version": ("str",),
        "cpu_count": ("int",),
        "tinytorch_path": ("str", "NoneType"),
        "tinytorch_writable": ("bool",),
    }
    kind, info = run(described)
    assert kind == "dict", f"system_info() must return a dict, got {kind}"
    assert set(info) == set(expected_types), (
        f"system_info() must have exactly the keys {sorted(expected_types)}, got {sorted(info)}"
    )
    for key, allowed in expected_types.items():
        type_name, value = info[key]
        assert type_name in allowed, (
            f"system_info()[{key!r}] must be {' or '.join(allowed)}, "
            f"got {type_name}: {value!r}"
        )
    cpu_count = info["cpu_count"][1]
    assert cpu_count >= 1, f"cpu_count must be at least 1, got {cpu_count}"
    assert info["platform"][1], "platform must not be empty: use platform.platform()"


def test_system_info_versions_match_environment(run):
    def versions():
        info = system_info()
        python = check_environment({"python": "3.0"})[0].found
        return info["numpy_version"], info["python_version"], python

    numpy_version, python_version, python = run(versions)
    assert numpy_version == np.__version__, (
        f"numpy_version should be np.__version__ = {np.__version__!r}, got {numpy_version!r}"
    )
    assert python_version == python, (
        f"python_version should be platform.python_version() = {python!r} (as in your "
        f"check_environment), got {python_version!r}"
    )


run_tests(test_system_info_keys_and_types, test_system_info_versions_match_environment)
### BEGIN HIDDEN TESTS
def test_system_info_tinytorch_path_is_where_the_code_lives(run):
    def where():
        path = system_info()["tinytorch_path"]
        shown = path if type(path) is str else repr(path)
        # the module hello_tinytorch comes from, and the file Python loaded it from
        loaded_from = hello_tinytorch.__code__.co_filename
        return type(path).__name__, shown, hello_tinytorch.__module__, loaded_from

    kind, path, module, source = run(where)
    assert kind == "str", (
        f"tinytorch is importable here, so tinytorch_path must be a str, got {kind}: {path}"
    )
    assert path.rstrip("/\\").endswith("tinytorch"), (
        f"tinytorch_path should be the package directory (ending in 'tinytorch'), got {path!r}"
    )
    if module.startswith("tinytorch."):
        # Running from the exported package: its files must lie under the reported path.
        assert source.startswith(path), (
            f"your package is loaded from {source!r}, which is not under the reported "
            f"tinytorch_path {path!r}: use the first of "
            "find_spec('tinytorch').submodule_search_locations"
        )


def test_system_info_writable_is_bool_and_executable_is_a_python(run):
    def fields():
        info = system_info()
        return info["tinytorch_writable"], info["python_executable"]

    writable, executable = run(fields)
    assert type(writable) is bool, f"tinytorch_writable must be True or False, got {writable!r}"
    assert type(executable) is str and "python" in executable.lower(), (
        f"python_executable should be sys.executable (the interpreter's path), got {executable!r}"
    )


run_tests(
    test_system_info_tinytorch_path_is_where_the_code_lives,
    test_system_info_writable_is_bool_and_executable_is_a_python,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 6. `array_bytes`: predict memory without allocating it
#
# Before you build a model, you should know whether it fits. `array_bytes` answers
# "how many bytes would an array of this shape and dtype take?" with arithmetic alone, so it
# works for shapes far too big to allocate. Module 01's `Tensor.memory_footprint()` is the
# same formula applied to a tensor that exists.
#
# Three details separate a correct answer from an almost-correct one:
#
# - **dtype comes in many spellings**: `"float32"`, `np.float32`, `np.dtype("float32")` and
#   Python's `float` (which means float64). `np.dtype(dtype).itemsize` normalises all of them.
# - **`()` is a scalar** (one element) and any 0 in the shape means zero elements.
# - **Python ints never overflow; NumPy ints do.** `np.prod` multiplies in int64 and wraps
#   around silently past $9.2 \times 10^{18}$; it also returns the float `1.0` for `()`.
#   Multiply Python ints yourself.
#
# PyTorch equivalents: `t.element_size() * t.numel()`, `t.nbytes`; NumPy: `arr.nbytes`.

# %% solution="array-bytes"
#| export
def array_bytes(shape: tuple[int, ...], dtype) -> int:
    """Return the bytes an array of ``shape`` and ``dtype`` needs, without allocating it.

    The same as ``np.empty(shape, dtype).nbytes`` (PyTorch: ``t.numel() * t.element_size()``);
    ``dtype`` is anything ``np.dtype`` accepts. Raises ``ValueError`` for a negative dim.

    TODO: Return ``numel * itemsize`` as a Python ``int``, where ``numel`` is the product of
          the dimensions and ``itemsize`` the size in bytes of one element of ``dtype``.

    APPROACH:
    1. ``itemsize = np.dtype(dtype).itemsize`` (accepts ``"float16"``, ``np.float16``,
       ``np.dtype("float16")``, ``float``, ...).
    2. Start with ``numel = 1`` and multiply by each dimension as a Python ``int``. If a
       dimension is negative, raise ``ValueError`` with a message that contains the word
       "negative" and shows the shape, e.g.
       ``"shape (3, -1) has a negative dimension -1; every dimension must be >= 0"``.
    3. Return ``numel * itemsize``.

    EXAMPLE:
    >>> array_bytes((1000, 1000), "float32")
    4000000
    >>> array_bytes((7_000_000_000,), np.float16)   # a 7B-parameter model in half precision
    14000000000
    >>> array_bytes((), "float64")                   # a 0-d scalar
    8

    HINTS:
    - Do not create the array: ``np.zeros(shape, dtype).nbytes`` is right for small shapes and
      crashes (or swaps) for large ones.
    - ``np.prod(())`` is ``1.0``, a float, and ``np.prod`` overflows int64 silently; a plain
      ``for`` loop over Python ints (or ``math.prod``, after ``import math``) has neither.
    """
    ### BEGIN SOLUTION
    itemsize = np.dtype(dtype).itemsize
    numel = 1
    for dim in shape:
        if dim < 0:
            raise ValueError(
                f"shape {tuple(shape)} has a negative dimension {dim}; "
                "every dimension must be >= 0"
            )
        numel *= int(dim)
    return numel * itemsize
    ### END SOLUTION


# %%
print(f"(1000, 1000) float32: {array_bytes((1000, 1000), 'float32'):,} bytes")
print(f"7B parameters, float16: {array_bytes((7_000_000_000,), np.float16) / 1e9:.0f} GB")


# %% test="array-bytes-tests" points=12
def test_array_bytes_matches_numpy_nbytes(run):
    def size(shape, dtype):
        result = array_bytes(shape, dtype)
        return type(result).__name__, result if type(result) is int else repr(result)

    cases = [((3, 4), "float32"), ((2, 3, 5), "float64"), ((10,), "int8"), ((4, 4), "float16")]
    for shape, dtype in cases:
        expected = np.zeros(shape, dtype=dtype).nbytes
        kind, result = run(size, shape, dtype)
        assert kind == "int", (
            f"array_bytes({shape}, {dtype!r}) must return a Python int, got {kind}: {result}"
        )
        assert result == expected, (
            f"array_bytes({shape}, {dtype!r}) should equal np.zeros(...).nbytes = {expected}, "
            f"got {result}"
        )


def test_array_bytes_seven_billion_parameters(run):
    cases = {"float32": 28_000_000_000, "float16": 14_000_000_000, "int8": 7_000_000_000}
    for dtype, expected in cases.items():
        result = run("array_bytes", (7_000_000_000,), dtype)
        assert result == expected, (
            f"7e9 {dtype} values take {expected:,} bytes, got {result!r} "
            "(compute numel * itemsize; do not allocate the array)"
        )


def test_array_bytes_negative_dimension_raises(run):
    with pytest.raises(ValueError, match="negative"):
        run("array_bytes", (3, -1), "float32")


run_tests(
    test_array_bytes_matches_numpy_nbytes,
    test_array_bytes_seven_billion_parameters,
    test_array_bytes_negative_dimension_raises,
)
### BEGIN HIDDEN TESTS
def test_array_bytes_scalar_and_empty_shapes(run):
    cases = [((), "float32", 4), ((0, 1000), "float32", 0), ((5, 0, 3), "int64", 0),
             ((1,), "uint8", 1)]
    for shape, dtype, expected in cases:
        result = run("array_bytes", shape, dtype)
        assert type(result) is int and result == expected, (
            f"array_bytes({shape}, {dtype!r}) should be the int {expected} "
            f"(() is one scalar; a 0 dimension means no elements), got {result!r}"
        )


def test_array_bytes_accepts_every_dtype_spelling(run):
    def size_of_ten(index):
        # dtype objects are not plain data: build them here, and pick one by its index
        spellings = [np.float16, np.dtype("float16"), "float16", float, "complex128", np.bool_,
                     np.int32]
        return array_bytes((10,), spellings[index])

    cases = [
        ("np.float16", 20),
        ("np.dtype('float16')", 20),
        ("'float16'", 20),
        ("float", 80),
        ("'complex128'", 160),
        ("np.bool_", 10),
        ("np.int32", 40),
    ]
    for index, (dtype, expected) in enumerate(cases):
        result = run(size_of_ten, index)
        assert result == expected, (
            f"array_bytes((10,), {dtype}) should be {expected}: use np.dtype(dtype).itemsize, "
            f"got {result!r}"
        )


def test_array_bytes_huge_shapes_do_not_overflow(run):
    cases = [((10**10, 10**10), "float32", 4 * 10**20), ((2**40, 2**30), "int8", 2**70)]
    for shape, dtype, expected in cases:
        result = run("array_bytes", shape, dtype)
        assert type(result) is int and result == expected, (
            f"array_bytes({shape}, {dtype!r}) should be exactly {expected} "
            f"(multiply Python ints: np.prod overflows int64), got {result!r}"
        )


run_tests(
    test_array_bytes_scalar_and_empty_shapes,
    test_array_bytes_accepts_every_dtype_spelling,
    test_array_bytes_huge_shapes_do_not_overflow,
)
### END HIDDEN TESTS

# %% [markdown]
# ### 7. `time_call`: measure, best of N
#
# The last tool turns "this feels slow" into a number. Call the function several times, time
# each call with `time.perf_counter()` (a wall clock: it counts time spent waiting, too), and
# return the fastest. Not the first call (it pays one-off costs), not the average (noise only
# ever adds time, so it drags the average up), not the total.
#
# Python equivalent: `min(timeit.repeat(fn, number=1, repeat=5))`; PyTorch:
# `torch.utils.benchmark.Timer(...).blocked_autorange()`.

# %% solution="time-call"
#| export
def time_call(fn: Callable[..., object], *args: object, repeat: int = 5) -> float:
    """Call ``fn(*args)`` ``repeat`` times and return the fastest call's duration in seconds.

    Like ``min(timeit.repeat(lambda: fn(*args), number=1, repeat=repeat))`` (PyTorch:
    ``torch.utils.benchmark.Timer``). The arguments are evaluated once, before timing, so
    ``time_call(np.copy, big)`` times the copy alone. Raises ``ValueError`` if ``repeat`` is
    less than 1.

    TODO: Time each call separately with ``time.perf_counter()`` and return the minimum.

    APPROACH:
    1. If ``repeat < 1``, raise ``ValueError`` with a message that names ``repeat`` and says
       it must be at least 1.
    2. Repeat ``repeat`` times: ``start = time.perf_counter()``, call ``fn(*args)``, record
       ``time.perf_counter() - start``.
    3. Return the smallest duration (a ``float``). Call ``fn`` exactly ``repeat`` times: no
       extra warm-up call.

    EXAMPLE:
    >>> seconds = time_call(sum, range(100_000), repeat=3)
    >>> 0 < seconds < 1
    True

    HINTS:
    - ``time.process_time()`` counts CPU time only: a function that waits (for disk, network
      or ``time.sleep``) would look free. Use ``time.perf_counter()``.
    - ``min(durations)`` of a list, or keep a running ``best = min(best, elapsed)``.
    """
    ### BEGIN SOLUTION
    if repeat < 1:
        raise ValueError(
            f"repeat must be at least 1, got {repeat}: time_call needs one call to time"
        )
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best
    ### END SOLUTION


# %%
print(f"sum(range(100_000)): {time_call(sum, range(100_000)) * 1e3:.3f} ms (best of 5)")


# %% test="time-call-tests" points=8
def test_time_call_calls_fn_repeat_times(run):
    def count_calls():
        calls, default_calls = [], []
        result = time_call(calls.append, "x", repeat=4)
        time_call(lambda: default_calls.append(1))
        shown = result if type(result) is float else repr(result)
        return calls, type(result).__name__, shown, len(default_calls)

    calls, kind, result, default_count = run(count_calls)
    assert calls == ["x"] * 4, (
        f"time_call(calls.append, 'x', repeat=4) must call calls.append('x') exactly 4 times, "
        f"made the calls {calls}"
    )
    assert kind == "float" and result >= 0.0, (
        f"time_call must return a non-negative float of seconds, got {kind}: {result!r}"
    )
    assert default_count == 5, (
        f"time_call(fn) must call fn 5 times by default, called it {default_count}"
    )


def test_time_call_measures_wall_clock_seconds(run):
    def time_a_sleep():
        import time

        result = time_call(lambda: time.sleep(0.02), repeat=2)
        return result if isinstance(result, (int, float)) else repr(result)

    result = run(time_a_sleep)
    assert isinstance(result, float) and 0.02 <= result < 1.0, (
        f"a function that sleeps 0.02 s should time at 0.02 s or a little more, got {result!r} "
        "(use time.perf_counter(), in seconds)"
    )


def test_time_call_rejects_zero_repeat(run):
    def zero_repeats():
        time_call(lambda: None, repeat=0)

    with pytest.raises(ValueError, match="repeat"):
        run(zero_repeats)


run_tests(
    test_time_call_calls_fn_repeat_times,
    test_time_call_measures_wall_clock_seconds,
    test_time_call_rejects_zero_repeat,
)
### BEGIN HIDDEN TESTS
def test_time_call_returns_best_not_mean_or_first(run):
    def time_uneven_sleeps():
        import time

        durations = iter([0.3, 0.02, 0.02, 0.3])
        result = time_call(lambda: time.sleep(next(durations)), repeat=4)
        return result if isinstance(result, (int, float)) else repr(result)

    result = run(time_uneven_sleeps)
    assert isinstance(result, float) and 0.02 <= result < 0.12, (
        f"calls taking 0.3, 0.02, 0.02 and 0.3 s should report the best, about 0.02 s; got "
        f"{result!r} (the mean would be 0.16 s, the first or last call 0.3 s)"
    )


def test_time_call_single_repeat_and_negative_repeat(run):
    def once():
        calls = []
        result = time_call(lambda: calls.append(1), repeat=1)
        return len(calls), type(result).__name__

    def negative_repeats():
        time_call(lambda: None, repeat=-3)

    count, kind = run(once)
    assert count == 1 and kind == "float", (
        f"time_call(fn, repeat=1) must call fn once and return a float, "
        f"called it {count} times and returned a {kind}"
    )
    with pytest.raises(ValueError, match="repeat"):
        run(negative_repeats)


run_tests(
    test_time_call_returns_best_not_mean_or_first,
    test_time_call_single_repeat_and_negative_repeat,
)
### END HIDDEN TESTS

# %% [markdown]
# ## Use it: your own environment report
#
# Your functions together make a small `doctor`: who you are, what you run on, whether it
# meets the requirements, and where your package lives. The second report checks the course
# tools too, and `torch` — which TinyTorch never imports (PyTorch is the reference the
# course's own tests compare TinyTorch against), so it may well be missing on your machine.
# The third report is made up to fail on purpose: a NumPy far in the future and a package
# that does not exist. Your checker reports both and says how to fix them, instead of
# crashing. (Don't run those two fixes.)

# %%
print(hello_tinytorch("student"))
print()
info = system_info()
for key, value in info.items():
    print(f"{key:>18}: {value}")


def print_checks(checks):
    width = max(len(check.name) for check in checks)
    for check in checks:
        mark = "✓" if check.ok else "✗"
        found = check.found if check.found is not None else "not installed"
        line = f"{mark} {check.name:<{width}}  need >= {check.required:<5} found {found}"
        print(line + (f"   fix: {check.fix}" if check.fix else ""))


print("\nTinyTorch requirements:")
print_checks(check_environment())
print("\nCourse tools (and the PyTorch reference):")
print_checks(
    check_environment(
        {"python": "3.11", "numpy": "1.26", "jupytext": "1.16", "pytest": "8.0", "torch": "2.0"}
    )
)
print("\nA report that fails on purpose:")
print_checks(check_environment({"numpy": "99.0", "a-package-you-do-not-have": "1.0"}))

# %% [markdown]
# After `tito module export setup`, the same functions are importable from your package in
# any Python process — that is what later modules (and the grader) do. This cell tells you
# whether Python can see your exported module yet, and where it would load it from.

# %%
try:
    exported = importlib.util.find_spec("tinytorch.core.setup")
except ModuleNotFoundError:
    exported = None
if exported is None:
    print("tinytorch.core.setup is not exported yet: run `tito module export setup`.")
else:
    print(f"tinytorch.core.setup loads from {exported.origin}")
    print(f"your package directory {info['tinytorch_path']} is writable:",
          info["tinytorch_writable"])

# %% [markdown]
# ## Systems analysis: measure, don't guess
#
# ### Memory
#
# First, trust but verify: does your arithmetic agree with what NumPy actually allocates?

# %%
shapes = [((1000, 1000), "float32"), ((1000, 1000), "float16"), ((64, 3, 32, 32), "float32")]
for shape, dtype in shapes:
    predicted = array_bytes(shape, dtype)
    measured = np.zeros(shape, dtype=dtype).nbytes
    print(f"{shape!s:>16} {dtype:<8} predicted {predicted:>12,} B   NumPy nbytes {measured:>12,} B")

# %% [markdown]
# Now a shape no laptop can allocate: the weights of a 7-billion-parameter language model
# (roughly the size of Llama-2-7B or Mistral-7B), stored at different precisions. Training needs
# more than the weights: plain Adam keeps, for every parameter, the weight, its gradient and two
# moment estimates, all in float32.

# %%
params = 7_000_000_000
print(f"{'precision':<28} {'bytes':>18} {'GB':>8}")
for dtype in ["float64", "float32", "float16", "int8"]:
    nbytes = array_bytes((params,), dtype)
    print(f"{'weights, ' + dtype:<28} {nbytes:>18,} {nbytes / 1e9:>8.1f}")
adam = 4 * array_bytes((params,), "float32")  # weight + gradient + 2 Adam moments
print(f"{'training with Adam, float32':<28} {adam:>18,} {adam / 1e9:>8.1f}")

# %% [markdown]
# The dtype is not the only thing that decides memory. The same million numbers held as a
# Python list cost far more than as a NumPy array: a list stores an 8-byte pointer per element,
# and each pointer leads to a full Python `float` object with its own header.

# %%
n = 1_000_000
values = np.random.default_rng(0).random(n)  # float64
as_list = values.tolist()
list_bytes = sys.getsizeof(as_list) + sum(sys.getsizeof(x) for x in as_list)
print(f"{n:,} float64 values as an ndarray: {values.nbytes / 1e6:6.1f} MB")
print(f"{n:,} float64 values as a list:     {list_bytes / 1e6:6.1f} MB "
      f"({list_bytes / values.nbytes:.1f}x)")
del as_list


# %% [markdown]
# ### Time
#
# The same sum three ways: a Python `for` loop over the NumPy array (what a naive framework
# does when it touches elements one by one), a loop over a Python list, and `np.sum`. The last
# column turns `np.sum`'s time into bytes per second using your `array_bytes`.

# %%
def loop_sum(items):
    total = 0.0
    for item in items:
        total += item
    return total


rng = np.random.default_rng(0)
print(f"{'n':>10} {'loop/ndarray':>13} {'loop/list':>11} {'np.sum':>10} "
      f"{'ns/elem loop':>13} {'ns/elem np':>11} {'speed-up':>9} {'np.sum GB/s':>12}")
for n in [1_000, 10_000, 100_000, 1_000_000]:
    x = rng.random(n)
    x_list = x.tolist()
    assert np.isclose(loop_sum(x), np.sum(x)), "the loop and np.sum must agree"
    repeat = 3 if n >= 100_000 else 5
    t_loop = time_call(lambda x=x: loop_sum(x), repeat=repeat)
    t_list = time_call(lambda x_list=x_list: loop_sum(x_list), repeat=repeat)
    t_numpy = time_call(lambda x=x: np.sum(x), repeat=20)
    gbps = array_bytes(x.shape, x.dtype) / t_numpy / 1e9
    print(f"{n:>10,} {t_loop * 1e3:>10.3f} ms {t_list * 1e3:>8.3f} ms {t_numpy * 1e3:>7.3f} ms "
          f"{t_loop / n * 1e9:>13.1f} {t_numpy / n * 1e9:>11.2f} {t_loop / t_numpy:>8.0f}x "
          f"{gbps:>12.1f}")

# %% [markdown]
# One more measurement, `np.sum` alone, up to arrays larger than the CPU's caches (a few
# megabytes on a laptop, tens on a server). While the array fits in cache, bytes arrive fast;
# once it does not, every byte comes from main memory and the throughput drops to what RAM
# delivers, whatever the arithmetic costs.

# %%
print(f"{'n':>12} {'MB':>8} {'np.sum (ms)':>12} {'GB/s':>7}")
for n in [10_000, 100_000, 1_000_000, 10_000_000]:
    x = rng.random(n)
    t_numpy = time_call(lambda x=x: np.sum(x), repeat=10)
    nbytes = array_bytes(x.shape, x.dtype)
    print(f"{n:>12,} {nbytes / 1e6:>8.1f} {t_numpy * 1e3:>12.3f} {nbytes / t_numpy / 1e9:>7.1f}")
del x

# %% [markdown]
# What to read from these numbers (they are from *your* machine; compare with a neighbour's):
#
# - The loop costs roughly the same number of nanoseconds per element at every size: its time
#   grows linearly, and the constant is large. Each iteration fetches the next element, boxes
#   it into a new Python object, looks up `+=` for its type, and allocates the result. Looping
#   over an ndarray is even slower than over a list, because every element has to be wrapped
#   in a fresh NumPy scalar first.
# - `np.sum` runs one compiled loop over a contiguous buffer of raw float64s, with SIMD
#   instructions and no Python objects. At small sizes its fixed call overhead (a few
#   microseconds) dominates, so the speed-up grows with `n`; at large sizes its bytes per
#   second approach what the memory system can deliver — it is limited by how fast bytes
#   arrive, not by arithmetic. The second table shows this directly: the GB/s drop once the
#   array no longer fits in the caches.
# - At 1000× the largest size here (a billion elements, 8 GB), the loop would take 1000 times
#   your last row — more than a minute — and the list version would need about 32 GB just to
#   exist; `np.sum` would take well under a second at main-memory speed, if the 8 GB fits in
#   memory at all — which `array_bytes` tells you beforehand.
#
# This is why TinyTorch's exported library uses vectorized NumPy everywhere, and why later
# modules show you the loop version first only to explain what the vectorized one computes.
# PyTorch goes one step further: the same compiled kernels, multi-threaded, and on GPUs.

# %% [markdown]
# ## ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs. Refer to your own code and
# to the numbers your notebook printed above; compare with what production frameworks do.

# %% [markdown] locked="q-memory"
# **Question 1 — memory (10 points).** Using the table your `array_bytes` produced: how much
# memory do the weights of a 7-billion-parameter model take in float32, float16 and int8, and
# which of these fit on a laptop with 16 GB of RAM or on a single 80 GB GPU? How much does
# training with Adam in float32 need, before counting activations, and what follows for
# training such a model on one device? What do you give up by storing weights in int8, and why
# is it useful that `array_bytes` answers these questions without allocating anything?

# %% [markdown] manual="systems-memory" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric in MODULE_GUIDE).**
#
# A 9–10 answer:
# - Quotes the student's own numbers: 28 GB (float32), 14 GB (float16), 7 GB (int8), and
#   112 GB for Adam training (weights + gradients + 2 moments, 4 × 28 GB), explaining that each
#   is numel × itemsize from `array_bytes`.
# - Draws the consequences: only int8 (7 GB) fits a 16 GB laptop with room for the OS and
#   activations; float16 fits an 80 GB GPU for inference, float32 too; Adam training (112 GB
#   plus activations, which grow with batch size and sequence length) does not fit one 80 GB
#   GPU, hence mixed precision, sharded optimizer state (ZeRO/FSDP) or several GPUs.
# - Names the trade-off of int8: 256 representable values per weight, so rounding error and
#   possible accuracy loss, needs scales/calibration (module 15), and the gain is memory and
#   memory bandwidth (4× fewer bytes to move), not free.
# - Explains why computing without allocating matters: you learn a model does not fit before
#   you crash or swap; np.zeros of 28 GB either fails or thrashes; capacity planning and
#   choosing precision/hardware happen on paper first. Mentions the PyTorch equivalents
#   (`element_size() * numel()`, `nbytes`) or how frameworks estimate memory.
#
# 7–8: correct numbers and fit/no-fit reasoning, thinner on training state or int8 trade-offs.
# 5–6: numbers given without reasoning, or generic "smaller dtype saves memory".
# 3–4: wrong arithmetic (e.g. bits for bytes) or misses the training overhead entirely.
# 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-vectorize"
# **Question 2 — loops versus vectorized code (10 points).** From your timing table: how many
# nanoseconds per element does the Python loop take, and how many does `np.sum` take? Explain
# where the loop's time goes, why looping over an ndarray is even slower than over a list,
# and what `np.sum` does instead. Your last table shows `np.sum`'s bytes per second as the
# array grows past the CPU's caches: what limits it there, and what would make a sum over
# float32 instead of float64 faster? What does this mean for how your `Tensor` (module 01)
# should implement its operations, and how does PyTorch go further?

# %% [markdown] manual="systems-vectorize" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric in MODULE_GUIDE).**
#
# A 9–10 answer:
# - Quotes the student's own measurements: the loop at tens to ~100+ ns per element (roughly
#   constant across sizes, i.e. linear time with a large constant), `np.sum` at well under
#   1 ns per element at large n, a speed-up of ~100–1000× that grows with n because `np.sum`
#   has a fixed per-call overhead of a few microseconds.
# - Explains the per-element interpreter cost: bytecode dispatch, fetching each element,
#   boxing it into a Python object (a new NumPy scalar for ndarray iteration, hence slower
#   than a list of existing floats), dynamic type lookup of `+=`, allocation and reference
#   counting of the result.
# - Explains `np.sum`: one call into compiled C over a contiguous, typed buffer; no objects
#   per element; SIMD; cache-friendly sequential access. Reads the GB/s table: high while the
#   array fits in cache, dropping to main-memory bandwidth once it does not (10^7 float64 =
#   80 MB), so a large sum is memory-bound, not compute-bound; hence float32 (half the bytes,
#   computed with `array_bytes`) would be up to ~2× faster — precision buys speed.
# - Draws the design conclusion: Tensor operations must be whole-array NumPy calls, never
#   Python loops over elements; loops only for teaching/reference. Compares with PyTorch:
#   compiled (ATen) kernels, multithreading (`torch.get_num_threads()`), GPU kernels,
#   operator fusion to avoid extra passes over memory.
#
# 7–8: correct explanation with some numbers, missing the memory-bound point or the design
# consequence.
# 5–6: "NumPy is written in C so it is faster" with little reference to measurements.
# 3–4: attempted but wrong about the cause (e.g. blames the sum's arithmetic).
# 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-environments"
# **Question 3 — reproducible environments (10 points).** A teammate reports that training
# diverges on their machine but not on yours, with the same code and data. Using what your
# `system_info` and `check_environment` report, what would you compare, and how can each item
# change numerical results or speed? Why does a minimum-version check like yours not
# guarantee that two machines compute the same thing? What would you put in place so that a
# team of 20 — or this course's autograder — runs the same environment, and what do PyTorch
# users attach to a bug report?

# %% [markdown] manual="systems-environments" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric in MODULE_GUIDE).**
#
# A 9–10 answer:
# - Compares the concrete fields the student built: Python version and executable (the
#   notebook kernel may not be the interpreter you think), NumPy version, platform/CPU,
#   cpu_count (thread count changes the order of floating-point reductions, so results differ
#   in the last bits and chaotic training can diverge), which tinytorch copy is imported
#   (a stale or wrong copy runs different code).
# - Gives at least one concrete mechanism by which versions change results: e.g. NumPy 2's
#   type-promotion change (NEP 50: `np.float32(3) + 3.0` is float32 in 2.x, float64 in 1.x),
#   a different BLAS library (OpenBLAS vs MKL) or SIMD path, changed defaults or seeding; and
#   notes that floating-point addition is not associative.
# - Explains that a minimum check only says "new enough": two machines can both pass with
#   different versions; it does not pin transitive dependencies, BLAS, hardware or random
#   seeds.
# - Proposes the fix: pinned versions / lock files (pip-tools, uv.lock, conda-lock), one
#   container image for everyone (as this course's grader runs every notebook in the same
#   sandbox image), CI that runs the checks, recorded seeds; `check_environment` at the top
#   of every job. Names PyTorch's `python -m torch.utils.collect_env` (asked for by PyTorch's
#   bug-report template) and/or `torch.use_deterministic_algorithms`.
#
# 7–8: sensible comparison and pinning, few concrete mechanisms.
# 5–6: generic "use the same versions" without linking to their code or numerics.
# 3–4: attempted, misses why minimum versions are insufficient.
# 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown]
# ## Summary and checklist
#
# You built the first module of your framework, `tinytorch.core.setup`:
#
# - `hello_tinytorch(name)`: a greeting with the TinyTorch version; `TypeError`/`ValueError`
#   on bad names. Like `torch.__version__`. Tested by `hello-tinytorch-tests` (8 pts).
# - `parse_version(text)`: `"2.1.0rc1"` → `(2, 1, 0)`. Like
#   `packaging.version.Version(...).release`. Tested by `parse-version-tests` (12 pts).
# - `version_at_least(v, m)`: a numeric, zero-padded comparison. Like
#   `Version(v) >= Version(m)`. Tested by `version-at-least-tests` (8 pts).
# - `check_environment(reqs)`: one `Check` per requirement, never crashes. Like `pip check`
#   and `torch.utils.collect_env`. Tested by `check-environment-tests` (14 pts).
# - `system_info()`: Python, platform, NumPy, CPUs, your package's path. Like
#   `python -m torch.utils.collect_env`. Tested by `system-info-tests` (8 pts).
# - `array_bytes(shape, dtype)`: numel × itemsize, without allocating. Like `ndarray.nbytes`
#   and `t.element_size() * t.numel()`. Tested by `array-bytes-tests` (12 pts).
# - `time_call(fn, repeat)`: best-of-N wall-clock seconds. Like `timeit.repeat` and
#   `torch.utils.benchmark.Timer`. Tested by `time-call-tests` (8 pts).
#
# You measured that a 7B-parameter model needs 28 GB in float32 and 7 GB in int8, that a
# Python list of floats costs about four times the memory of an ndarray, and that a Python loop
# is hundreds of times slower than `np.sum`.
#
# Before you submit:
#
# - [ ] **Kernel → Restart Kernel and Run All Cells**: every test cell prints only ✓ lines.
# - [ ] The three systems questions are answered from your own numbers.
# - [ ] `tito module export setup` — your code is now in `tinytorch/core/setup.py`.
# - [ ] `tito module test setup` — the tests pass against your exported package.
# - [ ] In a fresh terminal:
#   `python -c "from tinytorch.core.setup import hello_tinytorch; print(hello_tinytorch())"`.
# - [ ] `tito submit setup` — your notebook goes to the course for grading.
#
# **Next: Module 01, Tensor.** You will build the n-dimensional array every later module
# runs on — creation, broadcasting arithmetic, matmul, reductions — and give it a
# `memory_footprint()` that is your `array_bytes` applied to real data. Keep `time_call`
# at hand: you will use it to see what vectorizing buys you.
