"""course/course.toml: the module facts every tool reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tito.errors import TitoError
from tito.manifest import Course, LatePolicy, load_course

DESIGN_TABLE = [
    ("setup", "tinytorch.core.setup"), ("tensor", "tinytorch.core.tensor"),
    ("activations", "tinytorch.core.activations"), ("layers", "tinytorch.core.layers"),
    ("losses", "tinytorch.core.losses"), ("dataloader", "tinytorch.core.dataloader"),
    ("autograd", "tinytorch.core.autograd"), ("optimizers", "tinytorch.core.optimizers"),
    ("training", "tinytorch.core.training"), ("spatial", "tinytorch.core.spatial"),
    ("tokenization", "tinytorch.text.tokenization"), ("embeddings", "tinytorch.text.embeddings"),
    ("attention", "tinytorch.core.attention"), ("transformers", "tinytorch.models.transformer"),
    ("profiling", "tinytorch.perf.profiling"), ("quantization", "tinytorch.perf.quantization"),
    ("compression", "tinytorch.perf.compression"),
    ("acceleration", "tinytorch.perf.acceleration"),
    ("memoization", "tinytorch.perf.memoization"),
    ("benchmarking", "tinytorch.perf.benchmarking"), ("capstone", "tinytorch.olympics"),
]


def test_manifest_lists_every_module_of_the_design_in_order(course: Course) -> None:
    assert [(m.id, m.target) for m in course.modules] == DESIGN_TABLE
    assert [m.number for m in course.modules] == list(range(21))
    assert all(m.points.auto == 70 and m.points.manual == 30 for m in course.modules)


def test_milestones_unlock_after_the_design_modules(course: Course) -> None:
    after = {name: milestone.after for name, milestone in course.milestones.items()}
    assert after == {"perceptron": "layers", "xor": "training", "mlp": "training",
                     "cnn": "spatial", "cifar10": "spatial", "attention": "transformers",
                     "tinygpt": "transformers", "mlperf": "benchmarking"}


@pytest.mark.parametrize("ref", ["tensor", "01", "1", "01_tensor", " tensor ", "01_tensor/"])
def test_a_module_is_found_by_id_number_or_folder(course: Course, ref: str) -> None:
    assert course.module(ref).id == "tensor"


def test_an_unknown_module_names_the_closest_and_where_to_look(course: Course) -> None:
    with pytest.raises(TitoError, match=r"unknown module 'tensr': did you mean 'tensor'\? "
                                        r"'tito module list'"):
        course.module("tensr")


def test_prerequisites_are_transitive_and_in_course_order(course: Course) -> None:
    assert [m.id for m in course.prerequisites(course.module("layers"))] == [
        "setup", "tensor", "activations"]
    assert course.prerequisites(course.module("setup")) == []


def test_packages_list_parents_before_children(course: Course) -> None:
    packages = course.packages()
    assert packages[0] == "tinytorch"
    assert {"tinytorch.core", "tinytorch.text", "tinytorch.models", "tinytorch.perf"} <= set(
        packages)


MODULE = '''
[[modules]]
number = {number}
id = "{id}"
title = "T"
target = "{target}"
requires = {requires}
points = {{ auto = 70, manual = 30 }}
'''


def write_course(path: Path, *modules: str, extra: str = "") -> Path:
    path.write_text('[course]\npoints = { auto = 70, manual = 30 }\n' + "".join(modules)
                    + extra, encoding="utf-8")
    return path


def module_entry(number: int = 0, id: str = "alpha", target: str = "tinytorch.core.alpha",
                 requires: str = "[]") -> str:
    return MODULE.format(number=number, id=id, target=target, requires=requires)


@pytest.mark.parametrize(("modules", "extra", "message"), [
    ((module_entry(), module_entry(1, "alpha")), "", "id appears twice"),
    ((module_entry(), module_entry(0, "beta")), "", "number 0 appears twice"),
    ((module_entry(requires='["beta"]'),), "", "requires 'beta', which is not an earlier"),
    ((module_entry(target="numpy.core"),), "", "target must lie inside the 'tinytorch'"),
    ((module_entry(id="Alpha"),), "", "id must be lowercase"),
    ((module_entry().replace("manual = 30", "manual = 20"),), "", "differ from the course's"),
    ((module_entry().replace('[]', '[]\nmilestones = ["moon"]'),), "", "unknown milestone"),
    ((), "", "the course has no modules"),
    ((module_entry(),), "\n[milestones.x]\ntitle = 'x'\nafter = 'nope'\n", "unknown module"),
    ((module_entry(),), "\n[datasets.d]\ntitle = 'd'\nused_by = []\n", "lists no files"),
    ((module_entry(),), "\n[datasets.d]\ntitle = 'd'\nused_by = []\n[[datasets.d.files]]\n"
     "file = 'a'\nurl = 'u'\n", "file 1 has no sha256"),
])
def test_an_inconsistent_manifest_is_refused_naming_file_and_problem(
        tmp_path: Path, modules: tuple[str, ...], extra: str, message: str) -> None:
    path = write_course(tmp_path / "course.toml", *modules, extra=extra)
    with pytest.raises(TitoError, match=message) as raised:
        load_course(path)
    assert str(raised.value).startswith(str(path))
    assert "\n" not in str(raised.value)


def test_invalid_toml_is_refused_with_the_parser_position(tmp_path: Path) -> None:
    path = tmp_path / "course.toml"
    path.write_text("[course\n", encoding="utf-8")
    with pytest.raises(TitoError, match=r"course.toml: invalid TOML \(.*line 1"):
        load_course(path)


@pytest.mark.parametrize(("kind", "seconds_late", "penalty"), [
    ("none", 10 * 86400, 0.0), ("zero", 1, 70.0), ("zero", 0, 0.0),
    ("percent-per-day", 0, 0.0), ("percent-per-day", 1, 7.0),
    ("percent-per-day", 86400, 7.0), ("percent-per-day", 86401, 14.0),
    ("percent-per-day", 30 * 86400, 70.0),
])
def test_the_late_policy_charges_per_started_day_up_to_the_score(
        kind: str, seconds_late: float, penalty: float) -> None:
    assert LatePolicy(kind, 10).penalty(70.0, seconds_late) == pytest.approx(penalty)


def test_due_dates_and_the_late_policy_come_from_the_manifest(tmp_path: Path) -> None:
    entry = module_entry().replace("requires = []", "requires = []\ndue = 2026-09-15T23:59:00Z")
    path = write_course(tmp_path / "course.toml", entry,
                        extra='\n[grading]\nlate_policy = "zero"\n')
    course = load_course(path)
    assert course.module("alpha").due == dt.datetime(2026, 9, 15, 23, 59, tzinfo=dt.UTC)
    assert course.late == LatePolicy("zero", 0.0)


@pytest.mark.parametrize(("text", "message"), [
    ('due = "2026-09-15"', "due must be a date and time with a zone"),
    ("due = 2026-09-15T23:59:00", "due must be a date and time with a zone"),
])
def test_a_due_date_without_a_zone_is_refused(tmp_path: Path, text: str, message: str) -> None:
    entry = module_entry().replace("requires = []", f"requires = []\n{text}")
    with pytest.raises(TitoError, match=message):
        load_course(write_course(tmp_path / "course.toml", entry))


@pytest.mark.parametrize(("grading", "message"), [
    ('late_policy = "half"', "late_policy 'half' must be none, zero or percent-per-day"),
    ('late_policy = "percent-per-day"\nlate_percent_per_day = 0', "must be a number in"),
])
def test_an_unknown_late_policy_is_refused(tmp_path: Path, grading: str, message: str) -> None:
    path = write_course(tmp_path / "course.toml", module_entry(),
                        extra=f"\n[grading]\n{grading}\n")
    with pytest.raises(TitoError, match=message):
        load_course(path)
