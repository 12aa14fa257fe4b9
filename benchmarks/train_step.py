"""Time training steps in TinyTorch against PyTorch CPU, and their memory.

    .venv/bin/python benchmarks/train_step.py                # every case, 2 threads, 50 steps
    .venv/bin/python benchmarks/train_step.py --case gpt     # one case: mlp, conv or gpt
    .venv/bin/python benchmarks/train_step.py --threads 1    # one thread on both sides
    .venv/bin/python benchmarks/train_step.py --profile      # and where TinyTorch's time goes
    .venv/bin/python benchmarks/train_step.py --interleaved  # both in one process, in turn

The cases:

- mlp: a 784-256-128-10 MLP (Linear, ReLU, Linear, ReLU, Linear), a batch of 128,
  CrossEntropyLoss, backward, SGD with momentum 0.9 (zero_grad and step); also written by
  hand in plain NumPy.
- conv: Conv2d 3->32, 3x3, padding 1 on a 64x3x32x32 batch: forward, then backward from a
  fixed output gradient into the input, the weight and the bias (zero_grad as the step).
- gpt: a GPT training step (tinytorch.models.transformer.GPT: 4 layers, d=128, 4 heads,
  block 64, vocab 65) on a batch of 12 sequences, CrossEntropyLoss over every position,
  AdamW; PyTorch runs the same model built from torch.nn, with the same weights.

Each framework runs each case in a fresh Python process of its own, one after the other,
with the same thread count for its BLAS and its own pools, the same initial weights and
the same batch; the table shows the median time per step (and per phase) over --steps
timed steps after --warmup steps, and the process's peak memory. It only reports: it
asserts nothing about time or memory and exits 0 (1 if the two do not compute the same
loss). See benchmarks/README.md for how to read it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from table import print_table  # benchmarks/table.py: this script's folder is on sys.path

from sandbox import BLAS_THREAD_VARIABLES

SIZES = (784, 256, 128, 10)
BATCH = 128
LR, MOMENTUM = 0.01, 0.9
MLP_SMALL = ((8, 8, 8, 2), 4)  # the warm-up step's MLP and batch
CONV_CHANNELS, CONV_KERNEL, CONV_PADDING = (3, 32), 3, 1
CONV_BATCH, CONV_SIZE = 64, 32
GPT_CONFIG = {"vocab_size": 65, "block_size": 64, "embed_dim": 128, "num_layers": 4,
              "num_heads": 4, "batch": 12}
GPT_LR = 1e-3
PHASES = ("forward", "backward", "step")
# A step's phases by name, and the loss of the last forward.
Phases = tuple[dict[str, Callable[[], object]], Callable[[], float]]
# Counts the bytes each process holds from malloc and friends (NumPy's arrays and torch's
# tensors both come from there), and their peak: preloaded into both workers alike.
HEAP_COUNTER = r"""
#include <stddef.h>
#include <malloc.h>
#include <errno.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
static long live, peak;
static void grow(void *p) {
    if (!p) return;
    long now = __atomic_add_fetch(&live, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
    long seen = __atomic_load_n(&peak, __ATOMIC_RELAXED);
    while (now > seen && !__atomic_compare_exchange_n(&peak, &seen, now, 1, __ATOMIC_RELAXED,
                                                      __ATOMIC_RELAXED)) {}
}
static void shrink(void *p) {
    if (p) __atomic_sub_fetch(&live, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
}
void *malloc(size_t n) { void *p = __libc_malloc(n); grow(p); return p; }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); grow(p); return p; }
void free(void *p) { shrink(p); __libc_free(p); }
void *realloc(void *old, size_t n) {
    shrink(old); void *p = __libc_realloc(old, n); grow(p ? p : (n ? old : NULL)); return p;
}
void *memalign(size_t a, size_t n) { void *p = __libc_memalign(a, n); grow(p); return p; }
void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    void *p = __libc_memalign(a, n); if (!p) return ENOMEM; grow(p); *out = p; return 0;
}
void *valloc(size_t n) { return memalign(4096, n); }
long heap_live(void) { return __atomic_load_n(&live, __ATOMIC_RELAXED); }
long heap_peak(void) { return __atomic_load_n(&peak, __ATOMIC_RELAXED); }
void heap_reset_peak(void) {
    __atomic_store_n(&peak, __atomic_load_n(&live, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}
"""


def build_heap_counter() -> Path | None:
    """The heap counter as a shared library (built once with the C compiler, under
    build/); None without a compiler (then only the RSS figures are shown)."""
    import shutil

    compiler = shutil.which("cc") or shutil.which("gcc")
    target = Path(__file__).resolve().parents[1] / "build" / "heap_counter.so"
    if compiler is None or sys.platform != "linux":
        return None
    source = target.with_suffix(".c")
    current = source.exists() and source.read_text() == HEAP_COUNTER and target.exists()
    if not current:
        target.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(HEAP_COUNTER)
        built = subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(target),
                                str(source)], capture_output=True, text=True, check=False)
        if built.returncode != 0:
            print(f"note: could not build the heap counter: {built.stderr.strip()}")
            return None
    return target


class Heap:
    """The preloaded heap counter of this process, if there is one."""

    def __init__(self) -> None:
        import ctypes

        self.lib = ctypes.CDLL(None)
        try:
            self.lib.heap_live.restype = self.lib.heap_peak.restype = ctypes.c_long
        except AttributeError:
            self.lib = None

    def live(self) -> int:
        return self.lib.heap_live() if self.lib else 0

    def peak(self) -> int:
        return self.lib.heap_peak() if self.lib else 0

    def reset_peak(self) -> None:
        if self.lib:
            self.lib.heap_reset_peak()


def rss_bytes() -> int:
    """This process's resident memory now (Linux: /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """This process's largest resident memory so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def initial_weights(sizes: tuple[int, ...], batch: int) -> tuple[list, object, object]:
    """The same weights (PyTorch's init, seeded) and batch for both frameworks."""
    import numpy as np

    rng = np.random.default_rng(0)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch).astype(np.int64)
    return layers, x, y


def limit_threads(threads: int) -> str:
    """Hold the BLAS pools of this process to ``threads`` (the environment variables did
    it at import already; threadpoolctl, when installed, makes sure and says so)."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return "environment variables"
    threadpool_limits(threads)
    pools = sorted({f"{i['internal_api']}={i['num_threads']}" for i in threadpool_info()})
    return "threadpoolctl: " + ", ".join(pools)


def phases_of(model: Callable, loss_fn: Callable, optimizer: object, x: object, y: object
              ) -> Phases:
    """The three phases of a step as the same code on either framework, and the loss of
    the last forward."""
    state: dict[str, object] = {}

    def forward() -> None:
        state["loss"] = loss_fn(model(x), y)

    def backward() -> None:
        state["loss"].backward()

    def step() -> None:
        optimizer.step()
        optimizer.zero_grad()

    return ({"forward": forward, "backward": backward, "step": step},
            lambda: float(state["loss"].item()))


def tinytorch_step(sizes: tuple[int, ...] = SIZES, batch: int = BATCH) -> Phases:
    """The three phases of a TinyTorch step, and the loss of the first forward."""
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import SGD
    from tinytorch.core.tensor import Tensor

    weights, x_array, y_array = initial_weights(sizes, batch)
    linears = [Linear(fan_in, fan_out) for fan_in, fan_out in itertools.pairwise(sizes)]
    for layer, (weight, bias) in zip(linears, weights, strict=True):
        layer.weight.data[...] = weight
        layer.bias.data[...] = bias
    model = Sequential(linears[0], ReLU(), linears[1], ReLU(), linears[2])
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    return phases_of(model, loss_fn, optimizer, Tensor(x_array), Tensor(y_array))


def numpy_step(sizes: tuple[int, ...] = SIZES, batch: int = BATCH) -> Phases:
    """The same step in plain NumPy, backward written out by hand: what TinyTorch would
    take with no overhead of its own (the same BLAS calls, in place where it can)."""
    import numpy as np

    weights, x, y = initial_weights(sizes, batch)
    params = [array for pair in weights for array in pair]  # W0, b0, W1, b1, ...
    velocity = [np.zeros_like(p) for p in params]
    state: dict[str, object] = {}

    def forward() -> None:
        activations = [x]
        for i, (weight, bias) in enumerate(weights):
            out = activations[-1] @ weight.T + bias
            activations.append(np.maximum(out, 0) if i < len(weights) - 1 else out)
        logits = activations[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        state.update(activations=activations, log_probs=log_probs,
                     loss=-log_probs[np.arange(len(y)), y].mean())

    def backward() -> None:
        activations, log_probs = state["activations"], state["log_probs"]
        grad = np.exp(log_probs)
        grad[np.arange(len(y)), y] -= 1
        grad /= len(y)
        grads = []
        for i in reversed(range(len(weights))):
            grads[:0] = [grad.T @ activations[i], grad.sum(axis=0)]
            if i:
                grad = (grad @ weights[i][0]) * (activations[i] > 0)
        state["grads"] = grads

    def step() -> None:
        for param, grad, buffer in zip(params, state.pop("grads"), velocity, strict=True):
            buffer *= MOMENTUM
            buffer += grad
            param -= LR * buffer

    return ({"forward": forward, "backward": backward, "step": step},
            lambda: float(state["loss"]))


def torch_step(sizes: tuple[int, ...] = SIZES, batch: int = BATCH) -> Phases:
    import torch

    weights, x_array, y_array = initial_weights(sizes, batch)
    linears = [torch.nn.Linear(*pair) for pair in itertools.pairwise(sizes)]
    with torch.no_grad():
        for layer, (weight, bias) in zip(linears, weights, strict=True):
            layer.weight.copy_(torch.from_numpy(weight))
            layer.bias.copy_(torch.from_numpy(bias))
    model = torch.nn.Sequential(linears[0], torch.nn.ReLU(), linears[1], torch.nn.ReLU(),
                                linears[2])
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    return phases_of(model, loss_fn, optimizer, torch.from_numpy(x_array),
                     torch.from_numpy(y_array))


def conv_initial(small: bool) -> tuple:
    """The conv case's weight and bias (PyTorch's init, seeded), input batch and output
    gradient, as float32 arrays."""
    import numpy as np

    batch, size = (2, 6) if small else (CONV_BATCH, CONV_SIZE)
    rng = np.random.default_rng(0)
    in_channels, out_channels = CONV_CHANNELS
    bound = 1 / np.sqrt(in_channels * CONV_KERNEL**2)
    weight = rng.uniform(-bound, bound, (out_channels, in_channels, CONV_KERNEL, CONV_KERNEL))
    bias = rng.uniform(-bound, bound, out_channels)
    x = rng.standard_normal((batch, in_channels, size, size))
    grad = rng.standard_normal((batch, out_channels, size, size))
    return tuple(a.astype(np.float32) for a in (weight, bias, x, grad))


def conv_phases(conv: Callable, x: object, grad: object) -> Phases:
    """Forward, backward from ``grad`` (into the input, weight and bias), zero_grad: the
    same code on either framework. The "loss" checked is sum(output * grad)."""
    state: dict[str, object] = {}
    leaves = [*conv.parameters(), x]

    def forward() -> None:
        state["out"] = conv(x)

    def backward() -> None:
        state["out"].backward(grad)

    def step() -> None:
        for leaf in leaves:
            leaf.grad = None

    def loss() -> float:
        import numpy as np

        out = state["out"].detach().numpy()
        return float(np.sum(out.astype(np.float64) * np.asarray(grad.numpy(), np.float64)))

    return {"forward": forward, "backward": backward, "step": step}, loss


def tinytorch_conv(small: bool = False) -> Phases:
    from tinytorch.core.spatial import Conv2d
    from tinytorch.core.tensor import Tensor

    weight, bias, x, grad = conv_initial(small)
    conv = Conv2d(*CONV_CHANNELS, CONV_KERNEL, padding=CONV_PADDING)
    conv.weight.data[...] = weight
    conv.bias.data[...] = bias
    return conv_phases(conv, Tensor(x, requires_grad=True), Tensor(grad))


def torch_conv(small: bool = False) -> Phases:
    import torch

    weight, bias, x, grad = conv_initial(small)
    conv = torch.nn.Conv2d(*CONV_CHANNELS, CONV_KERNEL, padding=CONV_PADDING)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight))
        conv.bias.copy_(torch.from_numpy(bias))
    return conv_phases(conv, torch.from_numpy(x).requires_grad_(), torch.from_numpy(grad))


def gpt_config(small: bool) -> dict[str, int]:
    """The GPT case's sizes (a tiny model for the warm-up step)."""
    if small:
        return {"vocab_size": 11, "block_size": 8, "embed_dim": 16, "num_layers": 1,
                "num_heads": 2, "batch": 2}
    return dict(GPT_CONFIG)


def gpt_weights(shapes: dict[str, tuple[int, ...]]) -> dict[str, object]:
    """The same weights for both frameworks by parameter name (both models use the same
    names): LayerNorm weights 1, biases 0, every matrix N(0, 0.02), drawn in name order."""
    import numpy as np

    rng = np.random.default_rng(0)
    weights = {}
    for name in sorted(shapes):
        shape = shapes[name]
        if len(shape) == 1:
            value = np.ones(shape) if name.endswith("weight") else np.zeros(shape)
        else:
            value = rng.normal(0.0, 0.02, shape)
        weights[name] = value.astype(np.float32)
    return weights


def gpt_batch(config: dict[str, int]) -> tuple[object, object]:
    """Token ids (batch, block) and their next-token targets, seeded."""
    import numpy as np

    rng = np.random.default_rng(1)
    ids = rng.integers(0, config["vocab_size"], (config["batch"], config["block_size"] + 1))
    return ids[:, :-1].astype(np.int64), ids[:, 1:].reshape(-1).astype(np.int64)


def gpt_loss(loss_fn: Callable) -> Callable:
    """The loss over every position: logits (B, T, V) flattened to (B*T, V)."""
    return lambda logits, targets: loss_fn(logits.reshape(-1, logits.shape[-1]), targets)


def tinytorch_gpt(small: bool = False) -> Phases:
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import AdamW
    from tinytorch.core.tensor import Tensor
    from tinytorch.models.transformer import GPT

    config = gpt_config(small)
    batch = config.pop("batch")
    model = GPT(**config)
    config["batch"] = batch
    params = dict(model.named_parameters())
    for name, value in gpt_weights({n: p.shape for n, p in params.items()}).items():
        params[name].data[...] = value
    ids, targets = gpt_batch(config)
    optimizer = AdamW(model.parameters(), lr=GPT_LR)
    return phases_of(model, gpt_loss(CrossEntropyLoss()), optimizer, Tensor(ids),
                     Tensor(targets))


def torch_gpt_model(vocab_size: int, block_size: int, embed_dim: int, num_layers: int,
                    num_heads: int) -> object:
    """The contract's GPT in torch.nn, with the same parameter names as TinyTorch's."""
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(embed_dim, 4 * embed_dim)
            self.act = nn.GELU()
            self.proj = nn.Linear(4 * embed_dim, embed_dim)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.proj(self.act(self.fc(x)))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1 = nn.LayerNorm(embed_dim)
            self.attn = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
            self.ln2 = nn.LayerNorm(embed_dim)
            self.mlp = MLP()

        def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            h = self.ln1(x)
            x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False, is_causal=True)[0]
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.token_embedding = nn.Embedding(vocab_size, embed_dim)
            self.position_embedding = nn.Embedding(block_size, embed_dim)
            self.blocks = nn.ModuleList(Block() for _ in range(num_layers))
            self.ln_f = nn.LayerNorm(embed_dim)
            self.head = nn.Linear(embed_dim, vocab_size, bias=False)

        def forward(self, idx: torch.Tensor) -> torch.Tensor:
            T = idx.shape[1]
            x = self.token_embedding(idx) + self.position_embedding.weight[:T]
            mask = torch.ones(T, T, dtype=torch.bool).triu(1)  # True: may not attend
            for block in self.blocks:
                x = block(x, mask)
            return self.head(self.ln_f(x))

    return GPT()


def torch_gpt(small: bool = False) -> Phases:
    import torch

    config = gpt_config(small)
    batch = config.pop("batch")
    model = torch_gpt_model(**config)
    config["batch"] = batch
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    weights = gpt_weights(shapes)
    model.load_state_dict({name: torch.from_numpy(w) for name, w in weights.items()})
    ids, targets = gpt_batch(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=GPT_LR)
    return phases_of(model, gpt_loss(torch.nn.CrossEntropyLoss()), optimizer,
                     torch.from_numpy(ids), torch.from_numpy(targets))


@dataclass(frozen=True)
class Case:
    """A benchmark case: its builders by framework (each returns the step's phases,
    ``small=True`` a tiny version for the warm-up), a title and the goals."""

    title: str
    builders: dict[str, Callable[..., Phases]]
    time_goal: float
    memory_goal: float = 1.5


CASES = {
    "mlp": Case(f"One training step, MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, SGD "
                f"momentum {MOMENTUM}",
                {"tinytorch": lambda small=False: tinytorch_step(*MLP_SMALL if small else ()),
                 "numpy": lambda small=False: numpy_step(*MLP_SMALL if small else ()),
                 "torch": lambda small=False: torch_step(*MLP_SMALL if small else ())},
                time_goal=1.3),
    "conv": Case(f"Conv2d {CONV_CHANNELS[0]}->{CONV_CHANNELS[1]}, {CONV_KERNEL}x{CONV_KERNEL}, "
                 f"padding {CONV_PADDING}, on {CONV_BATCH}x{CONV_CHANNELS[0]}x{CONV_SIZE}x"
                 f"{CONV_SIZE}: forward + backward (input, weight, bias)",
                 {"tinytorch": tinytorch_conv, "torch": torch_conv}, time_goal=2.5),
    "gpt": Case("One GPT training step, {num_layers} layers, d={embed_dim}, {num_heads} heads, "
                "block {block_size}, vocab {vocab_size}, batch {batch}, AdamW"
                .format(**GPT_CONFIG),
                {"tinytorch": tinytorch_gpt, "torch": torch_gpt}, time_goal=3.0),
}


def worker(case: str, framework: str, threads: int, warmup: int, steps: int,
           profile: bool) -> dict:
    """One framework's measurements of one case, in this process (started by
    :func:`measure`)."""
    baseline_rss = rss_bytes()  # the interpreter, before the framework is imported
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
    else:
        import numpy  # noqa: F401  (its BLAS pool exists from here on)
    make = CASES[case].builders[framework]
    pools = limit_threads(threads)
    imported_rss = rss_bytes()
    # A step of a tiny model first: what each library sets up on first use (kernels, thread
    # pools, caches) is then in place, and the heap counted from here on is the training's.
    tiny, _ = make(small=True)
    for run in tiny.values():
        run()
    del tiny
    heap = Heap()
    heap_before = heap.live()
    heap.reset_peak()
    phases, first_loss = make()
    phases["forward"]()
    loss = first_loss()
    phases["backward"]()
    phases["step"]()
    for _ in range(warmup - 1):
        for run in phases.values():
            run()
    times: dict[str, list[float]] = {name: [] for name in PHASES}
    for _ in range(steps):
        for name in PHASES:
            start = time.perf_counter()
            phases[name]()
            times[name].append(time.perf_counter() - start)
    heap_peak = heap.peak() - heap_before if heap.lib else None
    totals = [sum(parts) for parts in zip(*times.values(), strict=True)]
    result = {
        "framework": framework, "pools": pools, "first_loss": loss,
        "step": statistics.median(totals), "fastest": min(totals),
        "phases": {name: statistics.median(values) for name, values in times.items()},
        "baseline_rss": baseline_rss, "imported_rss": imported_rss,
        "peak_rss": peak_rss_bytes(), "heap_peak": heap_peak,
    }
    if profile:
        result["profile"] = profiled(phases, steps)
    return result


def profiled(phases: dict[str, Callable[[], object]], steps: int) -> str:
    """cProfile's top functions by own time over ``steps`` more steps."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        for name in PHASES:
            phases[name]()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(18)
    return text.getvalue()


def measure(case: str, framework: str, args: argparse.Namespace) -> dict | None:
    """Run :func:`worker` for ``framework`` on ``case`` in a fresh process with the thread
    count in its environment before anything is imported (OpenBLAS and MKL size their pools
    at load)."""
    env = {**os.environ, **dict.fromkeys(BLAS_THREAD_VARIABLES, str(args.threads))}
    if args.heap_counter is not None:
        env["LD_PRELOAD"] = " ".join(filter(None, [str(args.heap_counter),
                                                   env.get("LD_PRELOAD")]))
    command = [sys.executable, __file__, "--worker", framework, "--case", case,
               "--threads", str(args.threads), "--warmup", str(args.warmup),
               "--steps", str(args.steps),
               *(["--profile"] if args.profile and framework == "tinytorch" else [])]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"note: {case}: {framework} failed:\n{done.stderr.strip()}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


def ms(value: float) -> str:
    return f"{value * 1e3:.2f} ms"


def report(case: str, found: dict[str, dict], args: argparse.Namespace) -> int:
    """Print one case's table and ratios; 1 if the frameworks' first losses differ."""
    import numpy as np

    goals = CASES[case]
    rows = []
    for name, result in found.items():
        rows.append((name if name != "numpy" else "plain NumPy", ms(result["step"]),
                     ms(result["fastest"]),
                     *(ms(result["phases"][p]) for p in PHASES),
                     "-" if result["heap_peak"] is None else mib(result["heap_peak"]),
                     mib(result["peak_rss"]), mib(result["peak_rss"] - result["imported_rss"])))
    header = ("framework", "step (median)", "fastest step", *PHASES, "peak heap",
              "peak RSS", "RSS growth after import")
    title = (f"[{case}] {goals.title}; median of {args.steps} steps after {args.warmup}; "
             f"{args.threads} thread(s) each; NumPy {np.__version__}")
    print_table(title, header, rows, args.plain)
    for name, result in found.items():
        print(f"{name}: pools {result['pools']}; first loss {result['first_loss']:.6f}")
    losses = [result["first_loss"] for result in found.values()]
    same = max(losses) - min(losses) <= 1e-4 * max(1.0, abs(losses[0]))
    if "tinytorch" in found and "numpy" in found:
        overhead = found["tinytorch"]["step"] / found["numpy"]["step"]
        print(f"time tinytorch/plain NumPy: {overhead:.2f}x (TinyTorch's own overhead)")
    if "numpy" in found and "torch" in found:
        print(f"time plain NumPy/torch: {found['numpy']['step'] / found['torch']['step']:.2f}x "
              "(NumPy's BLAS and loops against PyTorch's kernels)")
    if "tinytorch" in found and "torch" in found:
        tiny, torch = found["tinytorch"], found["torch"]
        time_ratio = tiny["step"] / torch["step"]
        if tiny["heap_peak"] and torch["heap_peak"]:
            memory = (f"peak heap tinytorch/torch: {tiny['heap_peak'] / torch['heap_peak']:.2f}x"
                      f" (goal ≤ {goals.memory_goal}x)")
        else:
            memory = "peak heap: not measured (no C compiler for the counter)"
        fastest = tiny["fastest"] / torch["fastest"]
        print(f"time tinytorch/torch: {time_ratio:.2f}x (goal ≤ {goals.time_goal}x; fastest "
              f"steps {fastest:.2f}x); {memory}")
    print(f"same first loss on every side: {'yes' if same else 'NO'}")
    if "profile" in found.get("tinytorch", {}):
        print("\nWhere TinyTorch's time goes (cProfile, own time):")
        print(found["tinytorch"]["profile"])
    print()
    return 0 if same else 1


def interleaved(cases: list[str], args: argparse.Namespace) -> int:
    """Time tinytorch and torch in this one process, one step of each in turn, so that both
    see the same load on a shared machine (no memory figures: those need a process each)."""
    os.environ.update(dict.fromkeys(BLAS_THREAD_VARIABLES, str(args.threads)))
    import torch

    torch.set_num_threads(args.threads)
    print(f"interleaved steps, {args.threads} thread(s); {limit_threads(args.threads)}")
    for case in cases:
        phases = {name: make()[0] for name, make in CASES[case].builders.items()
                  if name != "numpy"}
        times: dict[str, list[float]] = {name: [] for name in phases}
        for i in range(args.warmup + args.steps):
            for name, step in phases.items():
                start = time.perf_counter()
                for run in step.values():
                    run()
                if i >= args.warmup:
                    times[name].append(time.perf_counter() - start)
        tiny, torch_times = times["tinytorch"], times["torch"]
        pairs = statistics.median(a / b for a, b in zip(tiny, torch_times, strict=True))
        medians = statistics.median(tiny) / statistics.median(torch_times)
        print(f"[{case}] tinytorch {ms(statistics.median(tiny))} (fastest {ms(min(tiny))}), "
              f"torch {ms(statistics.median(torch_times))} (fastest {ms(min(torch_times))}); "
              f"tinytorch/torch: {pairs:.2f}x by pairs, {medians:.2f}x by medians, "
              f"{min(tiny) / min(torch_times):.2f}x by fastest (goal ≤ "
              f"{CASES[case].time_goal}x)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=[*CASES, "all"], default="all",
                        help="which case to run (default: all of them, one after the other)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads of each framework's BLAS and pools (default: the cores)")
    parser.add_argument("--steps", type=int, default=50, help="timed steps (median reported)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--profile", action="store_true",
                        help="also profile TinyTorch's steps (cProfile, own time)")
    parser.add_argument("--plain", action="store_true", help="plain-text table, no rich")
    parser.add_argument("--interleaved", action="store_true",
                        help="time both frameworks in one process, a step of each in turn "
                             "(for a busy machine; no memory figures)")
    parser.add_argument("--worker", choices=["tinytorch", "numpy", "torch"],
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.steps, args.warmup, args.threads = (max(1, args.steps), max(1, args.warmup),
                                             max(1, args.threads))
    if args.worker:
        print(json.dumps(worker(args.case, args.worker, args.threads, args.warmup, args.steps,
                                args.profile)))
        return 0
    cases = list(CASES) if args.case == "all" else [args.case]
    if args.interleaved:
        return interleaved(cases, args)
    args.heap_counter = build_heap_counter()
    status, measured = 0, False
    for case in cases:
        found = {}
        for framework in CASES[case].builders:
            result = measure(case, framework, args)
            if result is not None:
                found[framework] = result
            time.sleep(0.5)  # let the last one's spinning threads go to sleep
        if found:
            measured = True
            status |= report(case, found, args)
    load = os.getloadavg()[0]
    if load >= (os.cpu_count() or 1) / 2:
        print(f"note: load average {load:.1f} on {os.cpu_count()} cores: times are unreliable "
              "on a busy machine; rerun when it is idle.")
    return status if measured else 1


if __name__ == "__main__":
    sys.exit(main())
