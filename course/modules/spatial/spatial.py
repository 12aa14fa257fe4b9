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
# # Module 09 · Spatial
#
# By the end of this module you will have built the layers of a convolutional network:
# `Conv2d` with PyTorch's weight layout and initialization, `MaxPool2d`, `AvgPool2d`,
# `BatchNorm2d` with running statistics, and `Flatten`. You will write the convolution
# twice: first with explicit loops, the definition you can check by hand, then vectorized
# as **im2col + one matrix product**, forward and backward, the way real frameworks did it
# for years. The two are tested equal.
#
# | | |
# |---|---|
# | **Prerequisites** | 08 `training` (and with it 01–07: tensors, layers, autograd) |
# | **Time** | about 3 to 4 hours |
# | **Your code lands in** | `tinytorch.core.spatial`: `Conv2d`, pools, `BatchNorm2d`, `Flatten` |
# | **Next** | the CNN milestone trains them on Fashion-MNIST; 17 `acceleration` revisits im2col |
#
# **Contents.** 1 Why convolutions · 2 Concepts: sliding windows, im2col, layouts · 3 Build
# it, piece by piece · 4 Use it: a CNN on digits · 5 Systems analysis · 6 ML systems
# thinking · 7 Summary and checklist

# %% locked="spatial-imports"
import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why convolutions
#
# A 28×28 grey image has 784 pixels. A `Linear(784, 128)` layer learns 100,352 weights, and
# it learns each pixel position separately: a shoe's edge seen at column 5 teaches nothing
# about the same edge at column 6. Images have two properties a dense layer ignores:
#
# - **Locality.** A pixel is explained by its neighbours; edges and textures are small.
# - **Translation equivariance.** An edge detector useful at one position is useful at
#   every position.
#
# A convolution slides one small filter (say 3×3) over every position of the image and
# computes the same weighted sum at each: 9 weights per filter instead of 784, shared
# across positions. Stack a few convolutions with pooling (which shrinks the image and
# tolerates small shifts) and the network sees edges, then parts, then objects. LeNet
# (1998) read cheques this way; AlexNet (2012) and ResNet (2015) scaled it up.
#
# PyTorch's names: `torch.nn.Conv2d`, `torch.nn.MaxPool2d`, `torch.nn.AvgPool2d`,
# `torch.nn.BatchNorm2d`, `torch.nn.Flatten`, and the functional forms in
# `torch.nn.functional` (`conv2d`, `max_pool2d`, ...). You build each with the same
# arguments, layouts and defaults.

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 The convolution, exactly
#
# Images come in **NCHW** layout: a batch of $N$ images, each with $C$ channels (3 for
# RGB), $H$ rows and $W$ columns. A `Conv2d(C, O, kernel_size=(kh, kw))` holds a weight of
# shape $(O, C, k_h, k_w)$, one filter per output channel, and a bias of shape $(O,)$.
# With stride $s$ and zero padding $p$ (added on every side):
#
# $$\text{out}[n, o, i, j] = b[o] + \sum_{c, u, v} w[o, c, u, v]\;
#   x_{\text{pad}}[n, c, i s + u, j s + v]$$
#
# $$H_{out} = \left\lfloor \frac{H + 2p - k_h}{s} \right\rfloor + 1 \qquad
#   W_{out} = \left\lfloor \frac{W + 2p - k_w}{s} \right\rfloor + 1$$
#
# (Deep learning's "convolution" does not flip the kernel: it is a cross-correlation.)
# Worked example: a 1×1×3×3 image $\begin{smallmatrix}1&2&3\\4&5&6\\7&8&9\end{smallmatrix}$,
# a 2×2 kernel of ones, stride 1, no padding: out is 2×2, $[[12, 16], [24, 28]]$ (e.g.
# $1+2+4+5 = 12$).
#
# ### 2.2 im2col: a convolution is a matrix product
#
# Every output position $(n, i, j)$ reads one **window** of $C \cdot k_h \cdot k_w$ input
# values. Copy each window into a row of a matrix (*image to columns*):
#
# $$\text{cols}: (N \cdot H_{out} \cdot W_{out}) \times (C k_h k_w), \qquad
#   W_{mat} = \text{weight.reshape}(O, C k_h k_w)$$
#
# $$\text{out} = \text{cols} \cdot W_{mat}^\top + b \quad\text{of shape }
#   (N H_{out} W_{out}) \times O$$
#
# One big GEMM (general matrix multiply) instead of millions of tiny dot products: NumPy
# hands it to BLAS, which uses every core and the CPU's vector units. The price is memory:
# each input value is copied into up to $k_h k_w$ rows. NumPy's
# `numpy.lib.stride_tricks.sliding_window_view` gives every window as a *view* (no copy)
# of shape `(N, C, H', W', kh, kw)`; the copy happens only when the GEMM needs the windows
# as one contiguous matrix.
#
# ### 2.3 Backward, also by GEMMs
#
# With $G$ the output gradient as a $(N H_{out} W_{out}) \times O$ matrix:
#
# - $\partial L / \partial W_{mat} = G^\top \cdot \text{cols}$, reshaped to $(O, C, k_h, k_w)$;
# - $\partial L / \partial b = $ the sum of $G$ over its rows;
# - $\partial L / \partial \text{cols} = G \cdot W_{mat}$, and then **col2im**: every window
#   value flows back to the pixel it was copied from, *summing* where windows overlap.
#   col2im is the adjoint (transpose) of im2col.
#
# ### 2.4 Pooling, batch normalization, flattening
#
# `MaxPool2d(k)` keeps the largest value of each $k \times k$ window of each channel
# (stride $k$ by default: windows do not overlap); `AvgPool2d(k)` keeps the mean. The
# gradient of max flows only to the winner; that of the mean is shared equally.
#
# `BatchNorm2d(C)` normalizes each channel over the batch and all positions
# ($N \cdot H \cdot W$ values), then scales and shifts with learned $\gamma, \beta$:
# $y = \gamma \,(x - \mu) / \sqrt{\sigma^2 + \epsilon} + \beta$. In training it uses the
# batch's mean and (biased) variance and updates running averages
# $r \leftarrow (1 - m) r + m \cdot \text{stat}$ with momentum $m = 0.1$, where PyTorch
# stores the **unbiased** variance (divided by $n - 1$) in `running_var`. In eval mode it
# uses the running averages, so one image's output no longer depends on its batch.
#
# `Flatten()` turns `(N, C, H, W)` into `(N, C·H·W)` for the final `Linear` layers.

# %% [markdown]
# ## 3. Build it
#
# ### 3.0 The plan
#
# | piece | you write | PyTorch | points |
# |---|---|---|---|
# | 1 loop convolution | `conv2d_loops` | the definition of `F.conv2d` | 10 |
# | 2 windows | `im2col` | `torch.nn.functional.unfold` | 10 |
# | 3 forward | `Conv2dFunction.forward` | `F.conv2d` | 10 |
# | 4 backward | `col2im`, `Conv2dFunction.backward` | `F.fold`, conv2d's backward | 10 |
# | 5 pooling | `MaxPool2d.forward`, `AvgPool2d.forward` | `nn.MaxPool2d`, `nn.AvgPool2d` | 10 |
# | 6 batch norm | `BatchNorm2d.forward` | `nn.BatchNorm2d` | 10 |
# | 7 flatten | `Flatten.forward` | `nn.Flatten` | 10 |
#
# Given: argument checking (`pair`, `conv_output_size`), the `Conv2d` layer around your
# Function (with PyTorch's initialization), `conv2d`, and `pool_windows`, which turns your
# im2col and col2im into a differentiable window view for the pools.

# %% locked="spatial-package-imports"
#| export
import math
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tinytorch.core.autograd import Function, FunctionCtx
from tinytorch.core.layers import Module, Parameter
from tinytorch.core.tensor import Tensor, default_generator

# %% [markdown]
# Two helpers every piece uses: PyTorch accepts `kernel_size=3` or `kernel_size=(3, 5)`,
# and the output size formula from 2.1, with a clear error when the window does not fit.

# %% locked="spatial-helpers"
#| export
def pair(value: "int | Sequence[int]", name: str = "argument") -> tuple[int, int]:
    """`value` as a (height, width) pair: 3 -> (3, 3), (3, 5) -> (3, 5) (torch's _pair)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                    for v in value)):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """floor((size + 2 padding - kernel) / stride) + 1; raises ValueError if < 1."""
    if kernel < 1 or stride < 1 or padding < 0:
        raise ValueError(f"kernel size ({kernel}) and stride ({stride}) must be >= 1 and "
                         f"padding ({padding}) >= 0")
    out = (size + 2 * padding - kernel) // stride + 1
    if out < 1:
        raise ValueError(f"the kernel ({kernel}) is larger than the padded input "
                         f"({size} + 2*{padding}): use a smaller kernel or more padding")
    return out


# %% [markdown]
# The tests and demos of this notebook use the earlier modules' classes; import them (in
# grading, the tests see every public name of your package's earlier modules).

# %% locked="spatial-notebook-setup"
from tinytorch.core.activations import ReLU
from tinytorch.core.autograd import gradcheck
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Linear, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam

# %% [markdown]
# ### 3.1 Piece 1: the convolution with loops
#
# Write the definition of 2.1 directly. Pad the input once with `np.pad` (zeros on the two
# spatial axes only), then loop over images `n`, output channels `o` and output positions
# `(i, j)`; each output value is the sum of one window times one filter, plus the bias.
# Keep the inner product vectorized (`(window * weight[o]).sum()`): four loops are enough
# to see why this is slow. The result has the input's dtype.

# %% solution="conv2d-loops"
#| export
def conv2d_loops(x: "Tensor | np.ndarray", weight: "Tensor | np.ndarray",
                 bias: "Tensor | np.ndarray | None" = None,
                 stride: "int | Sequence[int]" = 1,
                 padding: "int | Sequence[int]" = 0) -> Tensor:
    """The 2-D convolution (cross-correlation) of 2.1 with explicit loops, for reference
    and teaching: x (N, C, H, W), weight (O, C, kh, kw), bias (O,) or None; returns a
    Tensor (N, O, H_out, W_out) (the definition of torch.nn.functional.conv2d).

    TODO: pad x, then fill out[n, o, i, j] with the sum of window * weight[o] + bias[o].

    APPROACH:
    1. `xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))`.
    2. `out = np.zeros((N, O, oh, ow), dtype=...)`.
    3. For n, o, i, j: the window is `xp[n, :, i*sh : i*sh + kh, j*sw : j*sw + kw]`.

    EXAMPLE:
    >>> x = np.arange(1.0, 10.0, dtype=np.float32).reshape(1, 1, 3, 3)
    >>> conv2d_loops(x, np.ones((1, 1, 2, 2), dtype=np.float32)).numpy()[0, 0]
    array([[12., 16.],
           [24., 28.]], dtype=float32)

    HINTS:
    - `oh`, `ow` come from `conv_output_size` (already computed below).
    - Add `bias[o]` only when bias is not None.
    """
    x = x.data if isinstance(x, Tensor) else np.asarray(x)
    weight = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    bias = bias.data if isinstance(bias, Tensor) else bias
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d_loops: needs x (N, C, H, W) and weight (O, C, kh, kw) with "
                         f"the same C, got {x.shape} and {weight.shape}")
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    n_images, _, height, width = x.shape
    out_channels, _, kh, kw = weight.shape
    oh = conv_output_size(height, kh, sh, ph)
    ow = conv_output_size(width, kw, sw, pw)
    ### BEGIN SOLUTION
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((n_images, out_channels, oh, ow), dtype=np.result_type(x, weight))
    for n in range(n_images):
        for o in range(out_channels):
            for i in range(oh):
                for j in range(ow):
                    window = xp[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[n, o, i, j] = (window * weight[o]).sum()
                    if bias is not None:
                        out[n, o, i, j] += bias[o]
    ### END SOLUTION
    return Tensor(out)


# %% test="conv2d-loops-tests" points=10
def test_conv2d_loops_worked_example(run):
    def student():
        x = np.arange(1.0, 10.0, dtype=np.float32).reshape(1, 1, 3, 3)
        out = conv2d_loops(x, np.ones((1, 1, 2, 2), dtype=np.float32))
        return type(out).__name__, out.numpy()

    kind, out = run(student)
    assert kind == "Tensor", f"conv2d_loops should return a Tensor, got {kind}"
    assert_array(out, [[[[12, 16], [24, 28]]]], dtype="float32", what="the worked example")


def test_conv2d_loops_channels_and_bias(run):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 4, 4)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    b = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))
    want = np.einsum("ncijuv,ocuv->noij", windows, w) + b[None, :, None, None]
    def student_got():
        return conv2d_loops(x, w, b).numpy()

    got = run(student_got)
    assert_array(got, want, dtype="float32", rtol=1e-5, atol=1e-5,
                 what="2 images, 2 -> 3 channels, 3x3 kernel, with bias")


run_tests(test_conv2d_loops_worked_example, test_conv2d_loops_channels_and_bias)
### BEGIN HIDDEN TESTS
def test_conv2d_loops_stride_padding_rectangles(run):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 2, 5, 4)).astype(np.float32)
    w = rng.standard_normal((2, 2, 3, 2)).astype(np.float32)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (3, 2), axis=(2, 3))[:, :, ::2, ::1]
    want = np.einsum("ncijuv,ocuv->noij", windows, w)
    def student_got():
        return conv2d_loops(x, w, stride=(2, 1), padding=(1, 0)).numpy()

    got = run(student_got)
    assert_array(got, want, dtype="float32", rtol=1e-5, atol=1e-5,
                 what="stride (2, 1), padding (1, 0), a 3x2 kernel, no bias")


def test_conv2d_loops_keeps_float64(run):
    x = np.ones((1, 1, 3, 3))
    def student_got():
        return conv2d_loops(x, np.ones((1, 1, 3, 3)), padding=1).numpy()

    got = run(student_got)
    assert_array(got, [[[[4, 6, 4], [6, 9, 6], [4, 6, 4]]]], dtype="float64",
                 what="float64 ones, 3x3 kernel, padding 1 (zeros at the border)")


run_tests(test_conv2d_loops_stride_padding_rectangles, test_conv2d_loops_keeps_float64)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: `im2col` with a sliding-window view
#
# `sliding_window_view(xp, (kh, kw), axis=(2, 3))` has shape `(N, C, H'-kh+1, W'-kw+1, kh,
# kw)`: element `[n, c, i, j]` is the window whose top-left corner is at `(i, j)`. It
# copies nothing: it is the padded array seen with extra strides. A stride keeps every
# `s`-th window (`[:, :, ::sh, ::sw]`). Finally move the channel axis next to the kernel
# axes, to `(N, H_out, W_out, C, kh, kw)`: then `reshape(N * H_out * W_out, C * kh * kw)`
# gives exactly the rows of 2.2, in the same `(c, u, v)` order as
# `weight.reshape(O, C * kh * kw)`.

# %% solution="im2col"
#| export
def im2col(x: np.ndarray, kernel_size: "int | Sequence[int]",
           stride: "int | Sequence[int]" = 1,
           padding: "int | Sequence[int]" = 0) -> np.ndarray:
    """Every window of the zero-padded x (N, C, H, W), as an array of shape
    (N, H_out, W_out, C, kh, kw): a strided view of the padded input, no copy of the
    windows (torch.nn.functional.unfold, in another layout).

    TODO: pad, take the sliding-window view, keep every stride-th window, move C.

    APPROACH:
    1. `xp = np.pad(...)` as in piece 1 (skip it when the padding is 0).
    2. `windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]`.
    3. `windows.transpose(0, 2, 3, 1, 4, 5)`.

    EXAMPLE:
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> cols = im2col(x, 2)
    >>> cols.shape
    (1, 2, 2, 1, 2, 2)
    >>> cols[0, 1, 0, 0]                  # the window at row 1, column 0
    array([[3., 4.],
           [6., 7.]])

    HINTS:
    - With a stride that does not divide evenly, the slice can keep one window too many:
      cut to `[:, :, :oh, :ow]` (or slice with `:(oh - 1) * sh + 1:sh`).
    """
    (kh, kw), (sh, sw) = pair(kernel_size, "kernel_size"), pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    if x.ndim != 4:
        raise ValueError(f"im2col needs x of shape (N, C, H, W), got shape {x.shape}")
    oh = conv_output_size(x.shape[2], kh, sh, ph)
    ow = conv_output_size(x.shape[3], kw, sw, pw)
    ### BEGIN SOLUTION
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows[:, :, :oh, :ow].transpose(0, 2, 3, 1, 4, 5)
    ### END SOLUTION


# %% test="im2col-tests" points=10
def test_im2col_shape_and_a_window(run):
    def student():
        cols = im2col(np.arange(9.0).reshape(1, 1, 3, 3), 2)
        return cols.shape, cols[0, 1, 0, 0], cols[0, 0, 1, 0]

    shape, w10, w01 = run(student)
    assert tuple(shape) == (1, 2, 2, 1, 2, 2), f"im2col of 1x1x3x3, kernel 2: got {shape}"
    assert_array(w10, [[3, 4], [6, 7]], dtype="float64", what="the window at row 1, col 0")
    assert_array(w01, [[1, 2], [4, 5]], dtype="float64", what="the window at row 0, col 1")


def test_im2col_channels_last_before_kernel(run):
    x = np.arange(2 * 2 * 3 * 3, dtype=np.float32).reshape(2, 2, 3, 3)
    def student_cols():
        return np.ascontiguousarray(im2col(x, 3, padding=1))

    cols = run(student_cols)
    assert cols.shape == (2, 3, 3, 2, 3, 3), f"shape (N, oh, ow, C, kh, kw); got {cols.shape}"
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    assert_array(cols[1, 2, 0], xp[1, :, 2:5, 0:3], dtype="float32",
                 what="image 1, output position (2, 0), both channels, with zero padding")


run_tests(test_im2col_shape_and_a_window, test_im2col_channels_last_before_kernel)
### BEGIN HIDDEN TESTS
def test_im2col_uneven_stride(run):
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    def student_cols():
        return np.ascontiguousarray(im2col(x, (2, 3), stride=2))

    cols = run(student_cols)
    assert cols.shape == (1, 2, 2, 1, 2, 3), (
        f"5x5, kernel (2, 3), stride 2: 2x2 windows (the last row and column are left "
        f"over); got {cols.shape}")
    assert_array(cols[0, 1, 1, 0], x[0, 0, 2:4, 2:5], dtype="float64",
                 what="the window at output (1, 1)")


def test_im2col_is_a_view_without_padding(run):
    def student():
        x = np.zeros((1, 2, 6, 6), dtype=np.float32)
        cols = im2col(x, 3)
        return bool(np.shares_memory(cols, x)), cols.shape

    shares, shape = run(student)
    assert tuple(shape) == (1, 4, 4, 2, 3, 3), f"shape {shape}"
    assert shares, "without padding, im2col should return a view of x (no copy)"


run_tests(test_im2col_uneven_stride, test_im2col_is_a_view_without_padding)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: the vectorized forward, as a `Function`
#
# Module 06's `Function` lets an op carry its own backward: `forward(ctx, ...)` receives
# NumPy arrays and returns one, and saves on `ctx` what backward will need. Write
# `Conv2dFunction.forward(ctx, x, weight, bias, stride, padding)` (`stride`, `padding`
# already pairs):
#
# 1. `cols = im2col(...)`, then the matrix `cols.reshape(N * oh * ow, C * kh * kw)`.
# 2. `out = cols_matrix @ weight.reshape(O, -1).T`, shape `(N * oh * ow, O)`; add the bias.
# 3. Reshape to `(N, oh, ow, O)` and transpose to NCHW, `(N, O, oh, ow)`, contiguous
#    (`np.ascontiguousarray`).
# 4. `ctx.save_for_backward(cols_matrix, weight)` and keep `ctx.x_shape = x.shape` and the
#    other numbers backward will need.

# %% solution="conv-forward"
#| export
class Conv2dFunction(Function):
    """The 2-D convolution as one differentiable op, vectorized with im2col and a matrix
    product (torch.nn.functional.conv2d's forward and backward).

    Conv2dFunction.apply(x, weight, bias, stride, padding): x (N, C, H, W), weight
    (O, C, kh, kw), bias (O,) or None, stride and padding (height, width) pairs; returns a
    Tensor (N, O, H_out, W_out).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: np.ndarray, weight: np.ndarray,
                bias: "np.ndarray | None", stride: tuple[int, int],
                padding: tuple[int, int]) -> np.ndarray:
        """The convolution of x with weight (+ bias) as one GEMM over im2col's windows.

        TODO: im2col, one matrix product, the bias, back to NCHW; save for backward.

        APPROACH:
        1. `cols = im2col(x, (kh, kw), stride, padding)`; `n, oh, ow = cols.shape[:3]`.
        2. `matrix = cols.reshape(n * oh * ow, -1)`; `out = matrix @ weight.reshape(O, -1).T`.
        3. `+ bias` if any; `out.reshape(n, oh, ow, O).transpose(0, 3, 1, 2)`, contiguous.
        4. `ctx.save_for_backward(matrix, weight)`; `ctx.x_shape`, `ctx.stride`, ...

        HINTS:
        - The reshape of a strided view copies it: that copy is im2col's memory cost.
        """
        ### BEGIN SOLUTION
        out_channels, _, kh, kw = weight.shape
        cols = im2col(x, (kh, kw), stride, padding)
        n, oh, ow = cols.shape[:3]
        # The windows copied channel-first, (N, C·kh·kw, H_out·W_out): then one batched GEMM
        # weight (O, C·kh·kw) @ matrix gives the output already in NCHW, with no transposing
        # copy of the result, and the bias goes in place.
        matrix = np.ascontiguousarray(cols.transpose(0, 3, 4, 5, 1, 2)).reshape(n, -1, oh * ow)
        out = np.matmul(weight.reshape(out_channels, -1), matrix)
        if bias is not None:
            out += bias.reshape(-1, 1)
        ctx.save_for_backward(matrix, weight)
        ctx.x_shape, ctx.stride, ctx.padding = x.shape, stride, padding
        ctx.has_bias = bias is not None
        return out.reshape(n, out_channels, oh, ow)
        ### END SOLUTION


# %% [markdown]
# The layer around it is given. `Conv2d` stores its weight as `(out_channels, in_channels,
# kh, kw)`, PyTorch's layout, and initializes it as PyTorch does: `kaiming_uniform_` with
# $a = \sqrt 5$, which works out to uniform in $\pm 1/\sqrt{\text{fan\_in}}$ with
# $\text{fan\_in} = C k_h k_w$, the bias in the same range (the same rule as module 03's
# `Linear`, whose fan_in is `in_features`).

# %% locked="conv2d-layer"
#| export
def conv2d(x: Tensor, weight: Tensor, bias: "Tensor | None" = None,
           stride: "int | Sequence[int]" = 1, padding: "int | Sequence[int]" = 0) -> Tensor:
    """The 2-D convolution of x (N, C, H, W) with weight (O, C, kh, kw) and bias (O,)
    (torch.nn.functional.conv2d); differentiable in x, weight and bias."""
    if not isinstance(x, Tensor) or x.ndim != 4:
        raise ValueError(f"conv2d expects a Tensor of shape (N, C, H, W), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    if weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: the input has {x.shape[1]} channels but the weight "
                         f"{weight.shape} expects {weight.shape[1]}: weight is (out_channels, "
                         "in_channels, kh, kw)")
    return Conv2dFunction.apply(x, weight, bias, pair(stride, "stride"),
                                pair(padding, "padding"))


class Conv2d(Module):
    """A 2-D convolution layer over NCHW images (torch.nn.Conv2d).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: an int or an (kh, kw) pair.
        stride: an int or a pair (default 1).
        padding: zeros added on each side, an int or a pair (default 0).
        bias: learn an additive bias per output channel (default True).
        generator: a numpy.random.Generator for the initialization; by default
            tinytorch.core.tensor.default_generator().

    weight is (out_channels, in_channels, kh, kw) and bias (out_channels,), both uniform in
    ±1/sqrt(in_channels·kh·kw) (PyTorch's kaiming_uniform_ with a = sqrt(5)).
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: "int | Sequence[int]", stride: "int | Sequence[int]" = 1,
                 padding: "int | Sequence[int]" = 0, bias: bool = True,
                 generator: np.random.Generator | None = None) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Conv2d: {name} must be an int >= 1, got {value!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = pair(padding, "padding")
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.padding) < 0:
            raise ValueError(f"Conv2d: kernel_size {self.kernel_size} and stride "
                             f"{self.stride} must be >= 1, padding {self.padding} >= 0")
        kh, kw = self.kernel_size
        bound = 1 / math.sqrt(in_channels * kh * kw)
        rng = generator if generator is not None else default_generator()
        self.weight = Parameter(rng.uniform(-bound, bound, (out_channels, in_channels, kh, kw)))
        self.bias = Parameter(rng.uniform(-bound, bound, (out_channels,))) if bias else None

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text + ("" if self.bias is not None else ", bias=False")

    def forward(self, x: Tensor) -> Tensor:
        """The convolution of x (N, in_channels, H, W): (N, out_channels, H_out, W_out)."""
        if not isinstance(x, Tensor) or x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{self!r} expects a Tensor of shape (N, {self.in_channels}, H, "
                             f"W), got {getattr(x, 'shape', type(x).__name__)}")
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)


# %% test="conv-forward-tests" points=10
def test_conv_forward_equals_the_loops(run):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)

    def student():
        fast = Conv2dFunction.apply(Tensor(x), Tensor(w), Tensor(b), (1, 1), (0, 0))
        return type(fast).__name__, fast.numpy(), bool(fast.data.flags.c_contiguous)

    kind, fast, contiguous = run(student)
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))
    want = np.einsum("ncijuv,ocuv->noij", windows, w) + b[None, :, None, None]
    assert kind == "Tensor", f"Conv2dFunction.apply should give a Tensor, got {kind}"
    assert_array(fast, want, dtype="float32", rtol=1e-4, atol=1e-5,
                 what="the vectorized convolution (2 images, 3 -> 4 channels)")
    assert contiguous, "return a C-contiguous NCHW array (np.ascontiguousarray)"


def test_conv2d_layer_shapes(run):
    def student():
        layer = Conv2d(1, 8, 3, padding=1, generator=np.random.default_rng(0))
        out = layer(Tensor(np.ones((2, 1, 6, 6), dtype=np.float32)))
        return out.shape, str(out.dtype), layer.weight.shape, layer.bias.shape

    out, dtype, weight, bias = run(student)
    assert tuple(out) == (2, 8, 6, 6), f"Conv2d(1, 8, 3, padding=1) on 6x6 keeps 6x6: {out}"
    assert dtype == "float32", f"float32 in, float32 out; got {dtype}"
    assert tuple(weight) == (8, 1, 3, 3) and tuple(bias) == (8,), (weight, bias)


def test_conv_forward_at_training_size(run):
    """A batch of 64 CIFAR-sized images: the GEMM answers in a tenth of a second, loops in
    half a minute. Grading gives one call 10 s."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((64, 3, 32, 32)).astype(np.float32)
    w = rng.standard_normal((64, 3, 3, 3)).astype(np.float32)

    def student():
        out = Conv2dFunction.apply(Tensor(x), Tensor(w), None, (1, 1), (1, 1)).numpy()
        return out.shape, out.sum(axis=(2, 3)), out[:2, :2]

    shape, sums, corner = run(student)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    want = np.einsum("ncijuv,ocuv->noij", windows, w)
    assert tuple(shape) == (64, 64, 32, 32), f"shape {shape}"
    what = "64 images of 32x32, 3 -> 64 channels, padding 1"
    assert_array(corner, want[:2, :2], dtype="float32", rtol=1e-4, atol=1e-4, what=what)
    assert_array(sums, want.sum(axis=(2, 3)), dtype="float32", rtol=1e-3, atol=1e-2,
                 what=f"{what}: each map's sum")


run_tests(test_conv_forward_equals_the_loops, test_conv2d_layer_shapes,
          test_conv_forward_at_training_size)
### BEGIN HIDDEN TESTS
def test_conv_forward_stride_padding_no_bias(run):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 7, 6)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 2)).astype(np.float32)

    def student():
        fast = conv2d(Tensor(x), Tensor(w), None, stride=(2, 3), padding=(1, 2)).numpy()
        slow = conv2d_loops(x, w, None, stride=(2, 3), padding=(1, 2)).numpy()
        return fast, slow

    fast, slow = run(student)
    assert fast.shape == (1, 3, 4, 3), f"shape {fast.shape}"
    assert_array(fast, slow, dtype="float32", rtol=1e-4, atol=1e-5,
                 what="stride (2, 3), padding (1, 2), no bias: vectorized vs loops")


def test_conv_forward_batch_of_one_1x1_kernel(run):
    x = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    w = np.array([[[[1.0]], [[10.0]]]], dtype=np.float32)
    def student_got():
        return conv2d(Tensor(x), Tensor(w)).numpy()

    got = run(student_got)
    assert_array(got, x[:, :1] + 10 * x[:, 1:], dtype="float32",
                 what="a 1x1 convolution mixes channels at each pixel")


run_tests(test_conv_forward_stride_padding_no_bias, test_conv_forward_batch_of_one_1x1_kernel)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: `col2im` and the backward pass
#
# **col2im** is im2col run backwards: given a gradient for every window value, shape
# `(N, oh, ow, C, kh, kw)`, add each value into the pixel it was read from. Loop over the
# `kh * kw` kernel offsets only, and vectorize over everything else: for offset `(u, v)`,
# the windows read the pixels `xp[:, :, u : u + sh*oh : sh, v : v + sw*ow : sw]`, so add
# `cols[:, :, :, :, u, v]` (moved to `(N, C, oh, ow)`) into that slice. Finally cut the
# padding off.
#
# **backward** then follows 2.3: with `g = grad.transpose(0, 2, 3, 1).reshape(-1, O)`,
# `dW = (g.T @ cols).reshape(weight.shape)`, `db = g.sum(axis=0)`, `dcols = g @ W_mat`,
# `dx = col2im(dcols.reshape(N, oh, ow, C, kh, kw), ...)`. Return one gradient per forward
# argument: `(dx, dW, db, None, None)` (None for the bias when there is none, and for
# stride and padding). Skip what is not needed: `ctx.needs_input_grad[i]` says whether
# argument `i` requires a gradient.

# %% solution="conv-backward"
#| export
def col2im(cols: np.ndarray, x_shape: Sequence[int], kernel_size: "int | Sequence[int]",
           stride: "int | Sequence[int]" = 1, padding: "int | Sequence[int]" = 0) -> np.ndarray:
    """The adjoint of im2col: sum window values (N, H_out, W_out, C, kh, kw) back into an
    image of shape x_shape (N, C, H, W), adding where windows overlap (torch's F.fold).

    TODO: add each kernel offset's slice of cols into the padded image; cut the padding.

    APPROACH:
    1. `xp = np.zeros((n, c, h + 2 ph, w + 2 pw), dtype=cols.dtype)`.
    2. For u in range(kh), v in range(kw):
       `xp[:, :, u:u + sh*oh:sh, v:v + sw*ow:sw] += cols[..., u, v].transpose(0, 3, 1, 2)`.
    3. Return `xp[:, :, ph:ph + h, pw:pw + w]`.
    """
    (kh, kw), (sh, sw) = pair(kernel_size, "kernel_size"), pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    n, c, h, w = x_shape
    oh, ow = cols.shape[1], cols.shape[2]
    ### BEGIN SOLUTION
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for u in range(kh):
        for v in range(kw):
            xp[:, :, u:u + sh * oh:sh, v:v + sw * ow:sw] += cols[..., u, v].transpose(0, 3, 1, 2)
    return xp[:, :, ph:ph + h, pw:pw + w]
    ### END SOLUTION


# Conv2dFunction's backward, next to its forward in the package.
@extends(Conv2dFunction)
class Conv2dBackward:
    @staticmethod
    def backward(ctx: FunctionCtx, grad: np.ndarray) -> tuple:
        """The gradients (dx, dweight, dbias, None, None) from the output's gradient.

        TODO: the three GEMMs of 2.3 and col2im for dx.

        APPROACH:
        1. `matrix, weight = ctx.saved_tensors`; `g = grad.transpose(0, 2, 3, 1)
           .reshape(-1, O)`.
        2. dweight = `(g.T @ matrix).reshape(weight.shape)`; dbias = `g.sum(axis=0)`.
        3. dx = `col2im((g @ weight.reshape(O, -1)).reshape(n, oh, ow, c, kh, kw), ...)`.

        HINTS:
        - `ctx.needs_input_grad` is (x, weight, bias, stride, padding): skip a gradient
          nobody needs (return None for it).
        """
        ### BEGIN SOLUTION
        matrix, weight = ctx.saved_tensors  # matrix: (N, C·kh·kw, H_out·W_out), see forward
        out_channels, c, kh, kw = weight.shape
        n, _, oh, ow = grad.shape
        g = grad.reshape(n, out_channels, oh * ow)  # NCHW as it comes: no transposing copy
        needs = ctx.needs_input_grad
        dx = dweight = dbias = None
        if needs[0]:
            dcols = np.matmul(weight.reshape(out_channels, -1).T, g)  # (N, C·kh·kw, HW)
            # col2im's (N, H_out, W_out, C, kh, kw) as a view: each kernel offset's slice
            # it adds is then a contiguous (N, C, H_out, W_out) block
            dcols = dcols.reshape(n, c, kh, kw, oh, ow).transpose(0, 4, 5, 1, 2, 3)
            dx = col2im(dcols, ctx.x_shape, (kh, kw), ctx.stride, ctx.padding)
        if needs[1]:
            dweight = np.matmul(g, matrix.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
        if ctx.has_bias and needs[2]:
            dbias = g.sum(axis=(0, 2))
        return dx, dweight, dbias, None, None
        ### END SOLUTION


# %% test="conv-backward-tests" points=10
def test_col2im_sums_overlapping_windows(run):
    def student():
        cols = np.ones((1, 2, 2, 1, 2, 2))
        return col2im(cols, (1, 1, 3, 3), 2)

    got = run(student)
    assert_array(got, [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]], dtype="float64",
                 what="col2im of all-ones windows (kernel 2 on 3x3): how often each pixel is read")


def test_conv_backward_matches_finite_differences(run):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 2, 4, 4))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)

    def student():
        xt = Tensor(x, requires_grad=True)
        wt, bt = Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
        out = conv2d(xt, wt, bt, stride=1, padding=1)
        (out * out).sum().backward()
        return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()

    dx, dw, db = run(student)
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), axis=(2, 3))
    out = np.einsum("ncijuv,ocuv->noij", windows, w) + b[None, :, None, None]
    g = 2 * out
    assert_array(db, g.sum(axis=(0, 2, 3)), dtype="float64", rtol=1e-6,
                 what="d bias: the output gradient summed over N, H, W")
    assert_array(dw, np.einsum("noij,ncijuv->ocuv", g, windows), dtype="float64", rtol=1e-6,
                 what="d weight")
    eps, i = 1e-6, (1, 0, 2, 3)
    plus, minus = x.copy(), x.copy()
    plus[i] += eps
    minus[i] -= eps

    def loss(xx):
        wins = np.lib.stride_tricks.sliding_window_view(
            np.pad(xx, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), axis=(2, 3))
        return ((np.einsum("ncijuv,ocuv->noij", wins, w) + b[None, :, None, None]) ** 2).sum()

    numeric = (loss(plus) - loss(minus)) / (2 * eps)
    assert dx.shape == x.shape, f"d x must have x's shape {x.shape}, got {dx.shape}"
    assert abs(dx[i] - numeric) < 1e-4 * max(1.0, abs(numeric)), (
        f"d x at {i}: backward gives {dx[i]}, finite differences {numeric}")


run_tests(test_col2im_sums_overlapping_windows, test_conv_backward_matches_finite_differences)
### BEGIN HIDDEN TESTS
def test_conv_backward_gradcheck_stride_padding(run):
    def student():
        rng = np.random.default_rng(5)
        x = Tensor(rng.standard_normal((1, 2, 5, 4)), requires_grad=True)
        w = Tensor(rng.standard_normal((2, 2, 2, 3)), requires_grad=True)
        b = Tensor(rng.standard_normal(2), requires_grad=True)
        return gradcheck(lambda a, c, d: conv2d(a, c, d, stride=(2, 1), padding=(0, 1)),
                         (x, w, b), atol=1e-6, rtol=1e-4)

    assert run(student) is True, "gradcheck failed for stride (2, 1), padding (0, 1)"


def test_conv_backward_without_bias_and_frozen_weight(run):
    def student():
        x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
        w = Tensor(np.ones((1, 1, 2, 2)))
        conv2d(x, w).sum().backward()
        return x.grad.numpy(), w.grad is None

    dx, frozen = run(student)
    assert_array(dx, [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]], dtype="float64",
                 what="d x of sum(conv(x, ones)), no bias")
    assert frozen, "a weight without requires_grad gets no .grad"


run_tests(test_conv_backward_gradcheck_stride_padding,
          test_conv_backward_without_bias_and_frozen_weight)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: max and average pooling
#
# Pooling works on each channel separately. `pool_windows(x, kernel_size, stride)`, given
# below, uses your im2col and col2im to return every window as a differentiable Tensor of
# shape `(N, C, oh, ow, kh * kw)`. A pool is then one reduction over the last axis: the
# max (module 01's `Tensor.max`, whose gradient goes to the winner) or the mean. `stride`
# defaults to `kernel_size` (windows side by side, as in PyTorch); the classes' constructors
# are given, you write the two `forward`s.

# %% locked="pool-windows"
#| export
class _PoolWindows(Function):
    """Every window of x, (N, C, H_out, W_out, kh*kw), with col2im as its backward."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: np.ndarray, kernel_size: tuple[int, int],
                stride: tuple[int, int]) -> np.ndarray:
        cols = im2col(x, kernel_size, stride)
        n, oh, ow, c, kh, kw = cols.shape
        ctx.x_shape, ctx.kernel_size, ctx.stride = x.shape, kernel_size, stride
        return cols.transpose(0, 3, 1, 2, 4, 5).reshape(n, c, oh, ow, kh * kw)

    @staticmethod
    def backward(ctx: FunctionCtx, grad: np.ndarray) -> tuple:
        n, c, oh, ow, _ = grad.shape
        cols = grad.reshape(n, c, oh, ow, *ctx.kernel_size).transpose(0, 2, 3, 1, 4, 5)
        return col2im(cols, ctx.x_shape, ctx.kernel_size, ctx.stride), None, None


def pool_windows(x: Tensor, kernel_size: "int | Sequence[int]",
                 stride: "int | Sequence[int] | None" = None) -> Tensor:
    """Every kernel_size window of each channel of x (N, C, H, W), as a Tensor of shape
    (N, C, H_out, W_out, kh*kw); stride defaults to kernel_size. Differentiable."""
    if not isinstance(x, Tensor) or x.ndim != 4:
        raise ValueError(f"pooling expects a Tensor of shape (N, C, H, W), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    kernel = pair(kernel_size, "kernel_size")
    step = kernel if stride is None else pair(stride, "stride")
    return _PoolWindows.apply(x, kernel, step)


class _Pool2d(Module):
    """What MaxPool2d and AvgPool2d share: kernel_size and stride (default kernel_size)."""

    def __init__(self, kernel_size: "int | Sequence[int]",
                 stride: "int | Sequence[int] | None" = None) -> None:
        super().__init__()
        pair(kernel_size, "kernel_size")  # refuse a malformed size now, not at the first call
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


# %% solution="pooling"
#| export
class MaxPool2d(_Pool2d):
    """The maximum of each kernel_size window of each channel (torch.nn.MaxPool2d).

    Args:
        kernel_size: an int or a (kh, kw) pair.
        stride: an int or a pair; default kernel_size (windows do not overlap).
    """

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H_out, W_out), the max of each window.

        TODO: the max over the last axis of pool_windows(x, ...).
        """
        ### BEGIN SOLUTION
        return pool_windows(x, self.kernel_size, self.stride).max(axis=-1)
        ### END SOLUTION


class AvgPool2d(_Pool2d):
    """The mean of each kernel_size window of each channel (torch.nn.AvgPool2d).

    Args:
        kernel_size: an int or a (kh, kw) pair.
        stride: an int or a pair; default kernel_size (windows do not overlap).
    """

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H_out, W_out), the mean of each window.

        TODO: the mean over the last axis of pool_windows(x, ...).
        """
        ### BEGIN SOLUTION
        return pool_windows(x, self.kernel_size, self.stride).mean(axis=-1)
        ### END SOLUTION


# %% test="pooling-tests" points=10
def test_pools_on_a_4x4_image(run):
    x = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [0, -1, 2, 2], [-2, -3, 2, 10]], np.float32)

    def student():
        t = Tensor(x.reshape(1, 1, 4, 4))
        return MaxPool2d(2)(t).numpy(), AvgPool2d(2)(t).numpy()

    top, mean = run(student)
    assert_array(top, [[[[4, 8], [0, 10]]]], dtype="float32", what="MaxPool2d(2)")
    assert_array(mean, [[[[2.5, 6.5], [-1.5, 4]]]], dtype="float32", what="AvgPool2d(2)")


def test_maxpool_gradient_goes_to_the_winner(run):
    def student():
        x = Tensor(np.array([[[[1.0, 3.0], [2.0, 0.0]]]]), requires_grad=True)
        MaxPool2d(2)(x).sum().backward()
        y = Tensor(np.array([[[[1.0, 3.0], [2.0, 0.0]]]]), requires_grad=True)
        AvgPool2d(2)(y).sum().backward()
        return x.grad.numpy(), y.grad.numpy()

    dmax, davg = run(student)
    assert_array(dmax, [[[[0, 1], [0, 0]]]], dtype="float64", what="d MaxPool2d / d x")
    assert_array(davg, np.full((1, 1, 2, 2), 0.25), dtype="float64", what="d AvgPool2d / d x")


run_tests(test_pools_on_a_4x4_image, test_maxpool_gradient_goes_to_the_winner)
### BEGIN HIDDEN TESTS
def test_pools_overlapping_channels_and_leftovers(run):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))[:, :, ::2, ::2]

    def student():
        t = Tensor(x)
        return MaxPool2d(3, stride=2)(t).numpy(), AvgPool2d(3, 2)(t).numpy()

    top, mean = run(student)
    assert_array(top, windows.max(axis=(-2, -1)), dtype="float32",
                 what="MaxPool2d(3, stride=2): overlapping windows, 2 images, 3 channels")
    assert_array(mean, windows.mean(axis=(-2, -1)), dtype="float32", rtol=1e-5,
                 what="AvgPool2d(3, stride=2)")
    def student_odd():
        return MaxPool2d(2)(Tensor(np.ones((1, 1, 5, 3)))).shape

    odd = run(student_odd)
    assert tuple(odd) == (1, 1, 2, 1), f"MaxPool2d(2) on 5x3 drops the leftover: {odd}"


def test_overlapping_avgpool_gradient_adds_up(run):
    def student():
        x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
        AvgPool2d(2, stride=1)(x).sum().backward()
        return x.grad.numpy()

    assert_array(run(student), np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])[None, None] / 4,
                 dtype="float64", what="AvgPool2d(2, stride=1): overlapping windows add up")


run_tests(test_pools_overlapping_channels_and_leftovers, test_overlapping_avgpool_gradient_adds_up)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: `BatchNorm2d`
#
# The constructor (given) makes `weight` (γ, ones) and `bias` (β, zeros) Parameters of
# shape `(C,)`, and registers the buffers `running_mean` (zeros), `running_var` (ones) and
# `num_batches_tracked` with module 03's `register_buffer`, so they are in the
# `state_dict` but not in `parameters()`. Write `forward`:
#
# - **Training mode.** The mean and the biased variance of each channel over axes
#   `(0, 2, 3)`, with Tensor ops (`keepdims=True`) so that autograd differentiates through
#   them. Update the running averages with plain NumPy (no graph): the mean, and the
#   variance times $n / (n - 1)$ with $n = N H W$ (PyTorch's unbiased running variance).
#   Add one to `num_batches_tracked`.
# - **Eval mode.** Use `running_mean` and `running_var` instead of the batch's statistics.
#
# Both: $y = (x - \mu) / \sqrt{\sigma^2 + \epsilon} \cdot \gamma + \beta$, with γ and β
# reshaped to `(1, C, 1, 1)` to broadcast.

# %% solution="batchnorm"
#| export
class BatchNorm2d(Module):
    """Normalize each channel of NCHW input over the batch and positions, then scale and
    shift (torch.nn.BatchNorm2d).

    Args:
        num_features: the number of channels C.
        eps: added to the variance before the square root (default 1e-5).
        momentum: the weight of the new batch in the running averages (default 0.1).

    Training mode uses the batch's statistics and updates running_mean and running_var
    (the unbiased variance); eval mode uses the running averages.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        if not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"BatchNorm2d: num_features must be an int >= 1, got "
                             f"{num_features!r}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=np.float32))
        self.bias = Parameter(np.zeros(num_features, dtype=np.float32))
        self.register_buffer("running_mean", Tensor(np.zeros(num_features, np.float32)))
        self.register_buffer("running_var", Tensor(np.ones(num_features, np.float32)))
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                "affine=True, track_running_stats=True")

    def forward(self, x: Tensor) -> Tensor:
        """Normalize x (N, C, H, W) per channel; in training, update the running stats.

        TODO: batch statistics (training) or running ones (eval); normalize, scale, shift.

        APPROACH:
        1. Training: `mean = x.mean(axis=(0, 2, 3), keepdims=True)`, `var` the mean of
           `(x - mean) ** 2` likewise; update `self.running_mean.data` and
           `self.running_var.data` in place (`[...] =`) from `mean.data`, `var.data`.
        2. Eval: `mean`, `var` = the running buffers reshaped to (1, C, 1, 1).
        3. `(x - mean) / (var + eps) ** 0.5 * weight + bias`, both reshaped (1, C, 1, 1).

        HINTS:
        - n = x.size // C values per channel; the running variance uses var * n / (n - 1).
        """
        if not isinstance(x, Tensor) or x.ndim != 4 or x.shape[1] != self.num_features:
            raise ValueError(f"{self!r} expects a Tensor of shape (N, {self.num_features}, "
                             f"H, W), got {getattr(x, 'shape', type(x).__name__)}")
        shape = (1, self.num_features, 1, 1)
        ### BEGIN SOLUTION
        if self.training:
            count = x.data.size // self.num_features
            if count < 2:
                raise ValueError(f"Expected more than 1 value per channel when training, "
                                 f"got input size {x.shape}")
            mean = x.mean(axis=(0, 2, 3), keepdims=True)
            var = ((x - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True)
            m = self.momentum
            unbiased = var.data.reshape(-1) * count / (count - 1)
            self.running_mean.data[...] = ((1 - m) * self.running_mean.data
                                           + m * mean.data.reshape(-1))
            self.running_var.data[...] = (1 - m) * self.running_var.data + m * unbiased
            self.num_batches_tracked.data[...] += 1
        else:
            mean = Tensor(self.running_mean.data.reshape(shape), dtype=x.dtype)
            var = Tensor(self.running_var.data.reshape(shape), dtype=x.dtype)
        normalized = (x - mean) / (var + self.eps) ** 0.5
        return normalized * self.weight.reshape(shape) + self.bias.reshape(shape)
        ### END SOLUTION


# %% test="batchnorm-tests" points=10
def test_batchnorm_training_normalizes_each_channel(run):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((4, 2, 3, 3)) * [[[[3.0]], [[0.5]]]] + 5).astype(np.float32)

    def student():
        bn = BatchNorm2d(2)
        y = bn(Tensor(x))
        return y.numpy(), bn.running_mean.numpy(), bn.running_var.numpy()

    y, running_mean, running_var = run(student)
    assert_array(y.mean(axis=(0, 2, 3)), [0, 0], dtype="float32", atol=1e-5,
                 what="each channel's mean after BatchNorm2d in training")
    assert_array(y.var(axis=(0, 2, 3)), [1, 1], dtype="float32", atol=1e-3,
                 what="each channel's (biased) variance after BatchNorm2d in training")
    x64 = x.astype(np.float64)
    assert_array(running_mean, 0.1 * x64.mean(axis=(0, 2, 3)), dtype="float32", rtol=1e-5,
                 what="running_mean = 0.9 * 0 + 0.1 * batch mean")
    assert_array(running_var, 0.9 + 0.1 * x64.var(axis=(0, 2, 3), ddof=1), dtype="float32",
                 rtol=1e-5, what="running_var = 0.9 * 1 + 0.1 * the UNBIASED batch variance")


def test_batchnorm_eval_uses_running_stats(run):
    def student():
        bn = BatchNorm2d(1)
        bn.running_mean.data[...] = 2.0
        bn.running_var.data[...] = 4.0
        bn.eval()
        return bn(Tensor(np.full((1, 1, 1, 2), 6.0, dtype=np.float32))).numpy()

    assert_array(run(student), [[[[2, 2]]]], dtype="float32", rtol=1e-5,
                 what="eval: (6 - 2) / sqrt(4 + 1e-5)")


run_tests(test_batchnorm_training_normalizes_each_channel, test_batchnorm_eval_uses_running_stats)
### BEGIN HIDDEN TESTS
def test_batchnorm_gradients_and_affine(run):
    def student():
        rng = np.random.default_rng(8)
        x = Tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True)
        bn = BatchNorm2d(2)
        bn.weight.data[...] = [2.0, -1.0]
        bn.bias.data[...] = [0.5, 1.0]
        y = bn(x)
        (y * y * y).sum().backward()
        ok = gradcheck(lambda t: bn(t) ** 3, (x,), atol=1e-5, rtol=1e-3)
        return y.numpy().mean(axis=(0, 2, 3)), bn.weight.grad is not None, ok, \
            int(bn.num_batches_tracked.item())

    means, has_grad, ok, tracked = run(student)
    assert_array(means, [0.5, 1.0], dtype="float64", atol=1e-6,
                 what="with weight and bias: each channel's mean is its bias")
    assert has_grad, "BatchNorm2d's weight must receive a gradient"
    assert ok is True, "gradcheck of BatchNorm2d in training mode failed"
    assert tracked >= 1, "num_batches_tracked counts the training batches"


def test_batchnorm_momentum_and_eval_no_update(run):
    def student():
        bn = BatchNorm2d(1, momentum=0.5)
        bn(Tensor(np.array([[[[1.0, 3.0]]]], dtype=np.float32)))
        first = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
        bn.eval()
        bn(Tensor(np.array([[[[10.0, 30.0]]]], dtype=np.float32)))
        return first, bn.running_mean.numpy()

    (mean, var), after_eval = run(student)
    assert_array(mean, [1.0], dtype="float32", what="momentum 0.5: 0.5 * 0 + 0.5 * 2")
    assert_array(var, [1.5], dtype="float32", what="momentum 0.5: 0.5 * 1 + 0.5 * 2 (unbiased)")
    assert_array(after_eval, [1.0], dtype="float32", what="eval mode never updates the stats")


run_tests(test_batchnorm_gradients_and_affine, test_batchnorm_momentum_and_eval_no_update)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: `Flatten`
#
# `Flatten(start_dim=1, end_dim=-1)` merges dims `start_dim` through `end_dim` (negative
# dims count from the end) into one: `(N, C, H, W)` becomes `(N, C·H·W)`, the batch axis
# stays. A `reshape` of the Tensor, so the gradient comes back reshaped (module 06).

# %% solution="flatten"
#| export
class Flatten(Module):
    """Merge the dims start_dim..end_dim into one (torch.nn.Flatten).

    Args:
        start_dim: the first dim to merge (default 1, keeping the batch dim).
        end_dim: the last dim to merge (default -1).
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"

    def forward(self, x: Tensor) -> Tensor:
        """x with dims start_dim..end_dim merged into one.

        TODO: normalize the negative dims, then reshape to the merged shape.

        EXAMPLE:
        >>> Flatten()(Tensor(np.zeros((2, 3, 4, 5)))).shape
        (2, 60)
        """
        ### BEGIN SOLUTION
        start = self.start_dim + x.ndim if self.start_dim < 0 else self.start_dim
        end = self.end_dim + x.ndim if self.end_dim < 0 else self.end_dim
        if not 0 <= start <= end < max(x.ndim, 1):
            raise IndexError(f"Flatten: dims {self.start_dim}..{self.end_dim} are out of range "
                             f"for a Tensor of {x.ndim} dims")
        shape = x.shape
        merged = int(np.prod(shape[start:end + 1]))
        return x.reshape((*shape[:start], merged, *shape[end + 1:]))
        ### END SOLUTION


# %% test="flatten-tests" points=10
def test_flatten_keeps_the_batch(run):
    def student():
        x = Tensor(np.arange(24.0).reshape(2, 3, 2, 2), requires_grad=True)
        y = Flatten()(x)
        (y * y).sum().backward()
        return y.numpy(), x.grad.shape

    y, grad_shape = run(student)
    assert_array(y, np.arange(24.0).reshape(2, 12), dtype="float64", what="Flatten()(2x3x2x2)")
    assert tuple(grad_shape) == (2, 3, 2, 2), f"the gradient has x's shape; got {grad_shape}"


run_tests(test_flatten_keeps_the_batch)
### BEGIN HIDDEN TESTS
def test_flatten_other_dims(run):
    def student():
        x = Tensor(np.zeros((2, 3, 4, 5)))
        return (Flatten(0, -1)(x).shape, Flatten(1, 2)(x).shape, Flatten(-2)(x).shape,
                Flatten(2, 2)(x).shape)

    everything, middle, last_two, single = run(student)
    assert tuple(everything) == (120,), f"Flatten(0, -1): {everything}"
    assert tuple(middle) == (2, 12, 5), f"Flatten(1, 2): {middle}"
    assert tuple(last_two) == (2, 3, 20), f"Flatten(-2): {last_two}"
    assert tuple(single) == (2, 3, 4, 5), f"Flatten(2, 2) changes nothing: {single}"


run_tests(test_flatten_other_dims)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: a CNN on handwritten digits
#
# The 8×8 digits of scikit-learn, as 1-channel images, through your layers:
# `Conv2d → BatchNorm2d → ReLU → MaxPool2d → Flatten → Linear`, trained with module 07's
# Adam. (The CNN milestone does the same on 28×28 Fashion-MNIST.)

# %%
import time

from sklearn.datasets import load_digits

digits = load_digits()
images = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
labels = digits.target.astype(np.int64)
order = np.random.default_rng(0).permutation(len(images))
train_idx, val_idx = order[:1500], order[1500:]
model = Sequential(Conv2d(1, 8, 3, padding=1, generator=np.random.default_rng(1)),
                   BatchNorm2d(8), ReLU(), MaxPool2d(2), Flatten(),
                   Linear(8 * 4 * 4, 10, generator=np.random.default_rng(2)))
opt, loss_fn = Adam(model.parameters(), lr=0.01), CrossEntropyLoss()
loader = DataLoader(TensorDataset(images[train_idx], labels[train_idx]), batch_size=64,
                    shuffle=True, generator=np.random.default_rng(3))
start = time.perf_counter()
for epoch in range(3):
    model.train()
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    predictions = model(Tensor(images[val_idx])).numpy().argmax(axis=1)
    print(f"epoch {epoch + 1}: loss {loss.item():.3f}, "
          f"validation accuracy {(predictions == labels[val_idx]).mean():.3f}")
print(f"{time.perf_counter() - start:.1f} s")

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 Loops against im2col + GEMM
#
# The same convolution, your two implementations, on growing images.

# %%
rng = np.random.default_rng(0)
print(f"{'size':>5} {'loops':>10} {'im2col':>10} {'speed-up':>9}")
for size in (8, 16, 32):
    x = rng.standard_normal((4, 3, size, size)).astype(np.float32)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    t0 = time.perf_counter()
    slow = conv2d_loops(x, w, padding=1)
    t1 = time.perf_counter()
    fast = conv2d(Tensor(x), Tensor(w), padding=1)
    t2 = time.perf_counter()
    assert np.allclose(slow.numpy(), fast.numpy(), atol=1e-4)
    print(f"{size:>5} {(t1 - t0) * 1e3:8.1f}ms {(t2 - t1) * 1e3:8.2f}ms "
          f"{(t1 - t0) / (t2 - t1):8.0f}x")

# %% [markdown]
# ### 5.2 What im2col costs in memory, and the FLOPs
#
# The convolution does $2 \cdot N H_{out} W_{out} \cdot O \cdot C k_h k_w$ FLOPs (one
# multiply and one add per weight per output value) whichever way you compute it. im2col
# materializes a matrix of $N H_{out} W_{out} \times C k_h k_w$ values: about $k_h k_w$ times
# the input, and your `Conv2dFunction` keeps it alive until backward.

# %%
for n, c, size, o, k in ((64, 1, 28, 8, 3), (64, 32, 28, 64, 3), (32, 64, 56, 64, 3)):
    x = np.zeros((n, c, size, size), dtype=np.float32)
    cols = im2col(x, k, padding=1)
    matrix = np.ascontiguousarray(cols).reshape(n * size * size, -1)
    flops = 2 * n * size * size * o * c * k * k
    print(f"N={n:>2} C={c:>2} {size}x{size} O={o:>2}: input {x.nbytes / 1e6:6.1f} MB, "
          f"im2col {matrix.nbytes / 1e6:7.1f} MB ({matrix.nbytes / x.nbytes:.1f}x), "
          f"{flops / 1e9:5.2f} GFLOP")

# %% [markdown]
# **The bottleneck.** The loops spend almost all their time in the Python interpreter, one
# tiny NumPy call per output value; im2col turns the same FLOPs into one BLAS call, orders
# of magnitude faster (your table). Its cost is memory: the window matrix is $k_h k_w = 9$
# times the input for 3×3 kernels, and it is saved for backward in every conv layer. At
# 1000× scale (ImageNet-size images, hundreds of channels, batches of 256) that matrix no
# longer fits comfortably, which is why cuDNN and oneDNN use implicit GEMM (windows
# gathered tile by tile inside the kernel, never materialized), Winograd transforms for 3×3
# kernels (fewer multiplies) and FFTs for large kernels. Module 17 returns to this.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs. Use numbers from *your*
# notebook. Each is worth 10 points; the graders look for understanding, references to
# your own code and measurements, the systems implications, and a comparison with
# production frameworks.

# %% [markdown] locked="q-im2col-memory"
# **Question 1: the memory price of im2col.** Use section 5.2 and your `Conv2dFunction`.
#
# 1. How much larger than the input was the im2col matrix in each row of your table, and
#    where does the factor come from? What does the loop version allocate instead?
# 2. Your forward saves the matrix for backward. For a network of ten such layers, what does
#    that mean for training memory, and what could you save instead (at what cost)?
# 3. How do production libraries (cuDNN, oneDNN) avoid materializing the matrix?

# %% [markdown] manual="systems-im2col-memory" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Factor:** ≈ kh·kw = 9 for 3×3 kernels with "same" padding and stride 1 (in general
#   kh·kw·H_out·W_out/(H·W), smaller with stride); quotes their MB figures (e.g. 64×32×28×28
#   float32 = 6.4 MB input → 57.8 MB matrix). Each pixel is copied into every window that
#   contains it. The loop version allocates only the output (plus one window view per
#   step): O(output) extra memory, but slow.
# - **Training:** the matrices are kept until backward, so ten layers hold ten 9× copies of
#   their inputs on top of the activations; memory grows linearly with batch size and often
#   dominates. Alternative: save x only (1×) and recompute im2col in backward (extra time,
#   a copy per backward) — a form of activation recomputation/checkpointing; or save the
#   strided view (but the padded copy and the GEMM need a contiguous matrix anyway).
# - **Production:** implicit GEMM (cuDNN, CUTLASS) loads windows tile by tile from the
#   input into on-chip memory inside the GEMM kernel; oneDNN's direct convolution with
#   blocked layouts; Winograd/FFT algorithms; cuDNN chooses per layer by benchmarking
#   (`torch.backends.cudnn.benchmark`), bounded by a workspace size.
#
# 7–8: the factor explained and one of the other parts well argued. 5–6: "im2col uses more
# memory" without numbers. 3–4: wrong factor or claims the loops use more memory. 0–2: no
# attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-flops"
# **Question 2: FLOPs and time.** Use sections 5.1 and 5.2.
#
# 1. Compute the FLOPs of the 32×32 convolution in your 5.1 table and the GFLOP/s your
#    loop and im2col versions reached. Both do the same arithmetic: why are they so far
#    apart?
# 2. How do the FLOPs and the parameters of a conv layer change if you double the channels
#    (in and out), double the image side, or use stride 2? Which changes the memory of the
#    activations?
# 3. Compare a `Conv2d(1, 8, 3)` on 28×28 images with a `Linear(784, 784 * 8)` that could
#    compute the same outputs: parameters and FLOPs.

# %% [markdown] manual="systems-flops" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Numbers:** 2·4·32·32·8·3·9 ≈ 1.77 MFLOP; dividing by their times gives ~0.01–0.05
#   GFLOP/s for loops and ~1–50 GFLOP/s for im2col (whatever they measured). The loop pays
#   interpreter and NumPy-call overhead (~µs) for each of N·O·H·W = 32,768 tiny dot products
#   of 27 numbers; the GEMM runs in compiled BLAS with SIMD, cache blocking and possibly
#   several threads. Same FLOPs, different overhead per FLOP and arithmetic intensity.
# - **Scaling:** FLOPs ∝ N·H_out·W_out·O·C·kh·kw. Doubling C and O: ×4 FLOPs and ×4
#   parameters, ×2 activation memory; doubling the side: ×4 FLOPs, parameters unchanged,
#   ×4 activations and im2col matrix; stride 2: output ÷4, so ÷4 FLOPs and activations,
#   parameters unchanged.
# - **Conv vs dense:** conv has 8·9 + 8 = 80 parameters, 2·26·26·8·9 ≈ 97 kFLOP per image
#   (no padding); the dense layer has 784·6272 ≈ 4.9 M parameters and ≈ 9.8 MFLOP per
#   image: weight sharing and locality cut both by orders of magnitude, and the conv is
#   translation equivariant by construction.
#
# 7–8: correct FLOP formula and scaling, weaker explanation of the speed gap. 5–6: generic
# "vectorization is faster". 3–4: FLOP formula wrong by more than a factor of 2. 0–2: no
# attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-layout"
# **Question 3: why NCHW, and what batch norm costs.**
#
# 1. Your `im2col` returns `(N, H_out, W_out, C, kh, kw)` and your forward transposes the
#    GEMM result back to NCHW with a copy. Where in your code does the layout force a copy,
#    and what would change if the activations were stored NHWC (channels last)?
# 2. Why do PyTorch and cuDNN default to NCHW while TensorFlow, mobile runtimes and tensor
#    cores favour NHWC (`torch.channels_last`)?
# 3. Your `BatchNorm2d` behaves differently in training and eval mode. What goes wrong if
#    you evaluate in training mode with batch size 1, or forget `model.eval()`? Why can
#    inference frameworks fold a trained BatchNorm2d into the preceding Conv2d?

# %% [markdown] manual="systems-layout" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Copies in their code:** the reshape of the transposed window view (im2col's matrix),
#   the final `ascontiguousarray(...transpose(0, 3, 1, 2))`, and in backward the
#   `grad.transpose(0, 2, 3, 1).reshape` copy. With NHWC the GEMM's (N·H·W, O) result *is*
#   the next layer's NHWC activation (no transpose), the gradient needs no transpose, and
#   a window's C values are contiguous in memory.
# - **Layouts:** NCHW makes each channel a contiguous plane: natural for per-channel ops,
#   early cuDNN kernels and Caffe/Torch history, and for image loading as separate planes;
#   NHWC keeps a pixel's channels together, which suits im2col/implicit GEMM (the reduction
#   dim is contiguous), vectorizing over channels on CPUs/mobile (TFLite, XNNPACK), and
#   tensor cores (cuDNN's fastest FP16 convolutions want NHWC; PyTorch offers
#   `memory_format=torch.channels_last`). The choice is about memory access patterns, not
#   math.
# - **BatchNorm:** training mode with batch 1 and 1×1 spatial has one value per channel
#   (error, zero variance); with small batches outputs depend on the other samples and
#   stats are noisy; forgetting eval() gives batch-dependent predictions and keeps updating
#   running stats with test data. In eval mode BN is an affine map per channel, so it folds
#   into the conv: w' = w·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β — no extra pass over memory
#   at inference (TensorRT, ONNX Runtime, PyTorch's fuse_modules).
#
# 7–8: two of the three parts with references to their code. 5–6: generic layout
# definitions. 3–4: confuses the layouts or the two BN modes. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.core.spatial`:
#
# - `conv2d_loops`: the definition, with loops, kept as the reference.
# - `im2col` (`F.unfold`) and `col2im` (`F.fold`) with `sliding_window_view`.
# - `Conv2dFunction` (forward and backward by GEMMs), `conv2d` (`F.conv2d`) and `Conv2d`
#   (`torch.nn.Conv2d`, PyTorch's layout and initialization).
# - `MaxPool2d`, `AvgPool2d` (`torch.nn.MaxPool2d`, `AvgPool2d`) over `pool_windows`.
# - `BatchNorm2d` (`torch.nn.BatchNorm2d`) with running statistics, and `Flatten`.
#
# Checklist before you move on:
#
# - [ ] Every test cell above prints only ✓ lines (7 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions in section 6 are answered with those numbers (30 points).
# - [ ] Export your code: `tito module export spatial`. Then run the milestone it unlocks:
#       `tito milestone run cnn`.
#
# **Next: module 10, tokenization.** From images to text.
