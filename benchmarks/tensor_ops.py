"""Time TinyTorch's Tensor ops against PyTorch CPU on the same inputs.

    .venv/bin/python benchmarks/tensor_ops.py            # full run
    .venv/bin/python benchmarks/tensor_ops.py --quick    # smaller inputs, fewer repeats
    .venv/bin/python benchmarks/tensor_ops.py --repeat 50 --threads 1

Each benchmark runs the op once on both sides to check that the results agree, then times
it: every sample is one `time.perf_counter` measurement of a loop of calls (the loop length
is calibrated so a sample lasts at least --min-sample seconds), and the table shows the
median per-call time over --repeat samples and the ratio tinytorch/torch. It only reports:
it never asserts anything about timing, and it exits 0. PyTorch is optional (a test-only
oracle, never a TinyTorch dependency): without it only TinyTorch's times are shown.
See benchmarks/README.md for what each row measures and how to read the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from table import print_table  # benchmarks/table.py: this script's folder is on sys.path

from sandbox import BLAS_THREAD_VARIABLES
from tinytorch.core.tensor import Tensor

PAUSE = 0.5  # seconds between phases, for spinning thread pools to go to sleep


@dataclass
class Benchmark:
    name: str
    shapes: str
    inputs: list[np.ndarray]
    tiny: Callable[..., Any]
    torch: Callable[..., Any]


def numpy_blas_threads() -> tuple[int, str]:
    """How many threads NumPy's BLAS uses (matmul), and where that number came from."""
    try:
        from threadpoolctl import threadpool_info  # optional

        counts = [info["num_threads"] for info in threadpool_info()
                  if info.get("user_api") == "blas"]
        if counts:
            return max(counts), "threadpoolctl"
    except ImportError:
        pass
    for variable in BLAS_THREAD_VARIABLES:
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            return int(value), variable
    return os.cpu_count() or 1, "os.cpu_count() (OpenBLAS default)"


def build(quick: bool) -> list[Benchmark]:
    rng = np.random.default_rng(0)

    def normal(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float32)

    def positive(*shape: int) -> np.ndarray:
        return rng.uniform(0.5, 2.0, shape).astype(np.float32)

    n = 256 if quick else 1024  # side of the square elementwise / reduction inputs
    b = 8 if quick else 32  # batch of the 3-d broadcasting input
    benchmarks = [
        Benchmark("add, row broadcast", f"({n},{n}) + ({n},)", [normal(n, n), normal(n)],
                  lambda x, y: x + y, lambda x, y: x + y),
        Benchmark("mul, outer broadcast", f"({n},1) * (1,{n})", [normal(n, 1), normal(1, n)],
                  lambda x, y: x * y, lambda x, y: x * y),
        Benchmark("mul, 3-d broadcast", f"({b},1,256) * (1,128,256)",
                  [normal(b, 1, 256), normal(1, 128, 256)],
                  lambda x, y: x * y, lambda x, y: x * y),
        Benchmark("add scalar", f"({n},{n}) + 2.5", [normal(n, n)],
                  lambda x: x + 2.5, lambda x: x + 2.5),
    ]
    for size in (64, 256, 512):
        benchmarks.append(Benchmark(
            f"matmul {size}", f"({size},{size}) @ ({size},{size})",
            [normal(size, size), normal(size, size)],
            lambda x, y: x @ y, lambda x, y: x @ y))
    benchmarks.append(Benchmark(
        "matmul batched", "(16,64,64) @ (64,64)", [normal(16, 64, 64), normal(64, 64)],
        lambda x, y: x @ y, lambda x, y: x @ y))
    benchmarks += [
        Benchmark("sum axis=1", f"({n},{n})", [normal(n, n)],
                  lambda x: x.sum(axis=1), lambda x: x.sum(dim=1)),
        Benchmark("sum all", f"({n},{n})", [normal(n, n)],
                  lambda x: x.sum(), lambda x: x.sum()),
        Benchmark("mean axis=0", f"({n},{n})", [normal(n, n)],
                  lambda x: x.mean(axis=0), lambda x: x.mean(dim=0)),
        Benchmark("mean axis=-1 keepdims", f"({b},128,256)", [normal(b, 128, 256)],
                  lambda x: x.mean(axis=-1, keepdims=True),
                  lambda x: x.mean(dim=-1, keepdim=True)),
        Benchmark("reshape+transpose+getitem", f"({b},128,256)", [normal(b, 128, 256)],
                  lambda x: x.reshape(b, 256, 128).transpose(0, 2)[::2, 1:, -1],
                  lambda x: x.reshape(b, 256, 128).transpose(0, 2)[::2, 1:, -1]),
        Benchmark("getitem int array", f"({n},{n})[idx]",
                  [normal(n, n), rng.integers(0, n, n // 4)],
                  lambda x, i: x[i], lambda x, i: x[i]),
        Benchmark("exp", f"({n},{n})", [normal(n, n)], lambda x: x.exp(), lambda x: x.exp()),
        Benchmark("log", f"({n},{n})", [positive(n, n)], lambda x: x.log(), lambda x: x.log()),
    ]
    return benchmarks


def time_call(fn: Callable[[], Any], repeat: int, min_sample: float) -> float:
    """Median seconds per call over `repeat` samples of a calibrated loop."""
    fn()  # warm-up
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_sample or loops >= 1 << 20:
            break
        loops *= 2 if elapsed <= 0 else max(2, min(10, int(min_sample / elapsed) + 1))
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - start) / loops)
    return statistics.median(samples)


def results_agree(tiny_out: Any, torch_out: Any) -> bool:
    got = np.asarray(tiny_out.data if isinstance(tiny_out, Tensor) else tiny_out)
    want = torch_out.detach().numpy()
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-4, atol=1e-4))


def format_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed samples per op (median reported); default 15, 5 with --quick")
    parser.add_argument("--quick", action="store_true",
                        help="smaller elementwise/reduction inputs and fewer samples")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads; default: as many as NumPy's BLAS uses "
                             "(set OPENBLAS_NUM_THREADS to change NumPy's)")
    parser.add_argument("--min-sample", type=float, default=None,
                        help="seconds each timed sample lasts at least (default 0.02, "
                             "0.005 with --quick)")
    parser.add_argument("--plain", action="store_true", help="plain-text table, no rich")
    args = parser.parse_args(argv)
    repeat = args.repeat if args.repeat is not None else (5 if args.quick else 15)
    repeat = max(1, repeat)
    min_sample = args.min_sample if args.min_sample is not None else (
        0.005 if args.quick else 0.02)

    blas_threads, blas_source = numpy_blas_threads()
    threads = blas_threads if args.threads is None else max(1, args.threads)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(threads)

    # Three phases, not interleaved: NumPy's OpenBLAS threads and torch's OpenMP threads both
    # spin for a while after each call, and on a machine with few cores the one would steal
    # the other's cores (a 10 µs torch sum measured as 8 ms right after a NumPy matmul).
    benchmarks = build(args.quick)
    tiny_inputs = [[Tensor(a) for a in b.inputs] for b in benchmarks]
    torch_inputs = ([[torch.from_numpy(a.copy()) for a in b.inputs] for b in benchmarks]
                    if torch is not None else [None] * len(benchmarks))
    errors: list[str] = []
    agree: dict[str, bool | None] = {}
    for bench, tiny_args, torch_args in zip(benchmarks, tiny_inputs, torch_inputs, strict=True):
        try:
            tiny_out = bench.tiny(*tiny_args)
        except Exception as error:  # report a broken op, keep benchmarking the rest
            errors.append(f"{bench.name}: tinytorch raised {type(error).__name__}: {error}")
            continue
        agree[bench.name] = None
        if torch is not None:
            with torch.inference_mode():
                agree[bench.name] = results_agree(tiny_out, bench.torch(*torch_args))
    time.sleep(PAUSE)
    tiny_times = {
        b.name: time_call(lambda b=b, a=a: b.tiny(*a), repeat, min_sample)
        for b, a in zip(benchmarks, tiny_inputs, strict=True) if b.name in agree
    }
    time.sleep(PAUSE)
    torch_times: dict[str, float] = {}
    if torch is not None:
        with torch.inference_mode():
            for b, a in zip(benchmarks, torch_inputs, strict=True):
                torch_times[b.name] = time_call(lambda b=b, a=a: b.torch(*a), repeat,
                                                min_sample)

    rows = []
    for bench in benchmarks:
        if bench.name not in agree:
            rows.append((bench.name, bench.shapes, "error", "-", "-", "-"))
            continue
        tiny_time, torch_time = tiny_times[bench.name], torch_times.get(bench.name)
        ratio = f"{tiny_time / torch_time:.2f}x" if torch_time else "-"
        check = agree[bench.name]
        rows.append((bench.name, bench.shapes, format_time(tiny_time), format_time(torch_time),
                     ratio, "-" if check is None else ("yes" if check else "NO")))

    header = ("op", "inputs", "tinytorch", "torch", "tinytorch/torch", "same result")
    title = (f"TinyTorch vs PyTorch {torch.__version__ if torch else '(not installed)'} CPU, "
             f"NumPy {np.__version__}; median of {repeat} samples; "
             f"NumPy BLAS threads {blas_threads} ({blas_source}), torch threads {threads}"
             f"{' (--threads)' if args.threads is not None else ''}")
    print_table(title, header, rows, args.plain, left_columns=2)
    if torch is None:
        print("note: PyTorch is not installed; only TinyTorch was timed.")
    for line in errors:
        print(f"note: {line}")
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if torch is not None and threads > 1 and load >= cores / 2:
        print(f"note: load average {load:.1f} on {cores} cores: multi-threaded times are "
              "unreliable on a busy machine (thread pools wait for cores); rerun with "
              "OPENBLAS_NUM_THREADS=1 (one thread on both sides) or when the machine is idle.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
