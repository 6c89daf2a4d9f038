"""Stateless NIR nodes with spatial structure as sparse matrices (nir 1.0.8 ``nir/ir/*.py``; ``docs/nir.md`` section 3).

Every map acts on the C-order flattened layout of a ``(C, *spatial)`` array (no batch dim) and
returns ``(matrix, output shape)``, ``matrix`` a ``scipy.sparse.csr_matrix`` of shape
``(prod(out shape), prod(in shape))`` in float64:

* :func:`conv_matrix`: PyTorch ``conv1d``/``conv2d`` (cross-correlation, zero padding, stride,
  dilation, groups, integer/pair padding or ``"same"``/``"valid"``); the kernel is shared, so
  each weight appears once per output position whose window reaches it;
* :func:`sum_pool_matrix`: a grouped all-ones convolution (floor mode, zero padding counted);
  average pooling is that times ``1 / (kh * kw)`` (PyTorch's ``count_include_pad=True``);
* :func:`flatten_shape`: ``Flatten`` is the identity on the C-order layout, only the shape changes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim.errors import ModelError

if TYPE_CHECKING:
    import scipy.sparse as sp


def _tuple(value, d: int, what: str) -> tuple[int, ...]:
    v = np.asarray(value).ravel()
    if v.size == 1:
        v = np.repeat(v, d)
    if v.size != d or not np.all(v == np.round(v)):
        raise ModelError(f"{what}: expected an integer or {d} integers, got {value!r}")
    return tuple(int(x) for x in v)


def _padding(padding, kernel, dilation, stride, d: int, what: str) -> tuple[tuple[int, int], ...]:
    """((left, right), ...) per spatial dim; ``"same"`` pads like PyTorch (the extra one on the right)."""
    if isinstance(padding, bytes):
        padding = padding.decode()
    if isinstance(padding, np.ndarray) and padding.dtype.kind in "SUO" and padding.size == 1:
        padding = padding.item()
        padding = padding.decode() if isinstance(padding, bytes) else padding
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * d
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ModelError(f"{what}: padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
            total = [dl * (k - 1) for k, dl in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ModelError(f"{what}: padding must be an integer, 'same' or 'valid', got {padding!r}")
    p = _tuple(padding, d, f"{what}: padding")
    if any(x < 0 for x in p):
        raise ModelError(f"{what}: padding must be >= 0, got {p}")
    return tuple((x, x) for x in p)


def conv_matrix(weight, in_shape, stride=1, padding=0, dilation=1, groups=1,
                what: str = "conv") -> tuple[sp.csr_matrix, tuple[int, ...]]:
    """Sparse matrix of a PyTorch convolution with ``weight`` ``[C_out, C_in / groups, *K]`` on an
    input of shape ``in_shape = (C_in, *spatial)``; returns ``(matrix, (C_out, *out_spatial))``."""
    w = np.asarray(weight, dtype=np.float64)
    d = w.ndim - 2
    in_shape = tuple(int(s) for s in in_shape)
    groups = int(np.asarray(groups).ravel()[0]) if np.size(groups) else 1
    if d < 1 or len(in_shape) != d + 1:
        raise ModelError(f"{what}: weight of shape {w.shape} does not fit an input of shape {in_shape}")
    c_out, c_in_g, kernel = w.shape[0], w.shape[1], w.shape[2:]
    c_in = in_shape[0]
    if groups < 1 or c_out % groups or c_in_g * groups != c_in:
        raise ModelError(f"{what}: weight {w.shape} with groups={groups} needs {c_in_g * groups} input channels "
                         f"and C_out divisible by groups; the input has shape {in_shape}")
    stride = _tuple(stride, d, f"{what}: stride")
    dilation = _tuple(dilation, d, f"{what}: dilation")
    if any(s < 1 for s in stride) or any(x < 1 for x in dilation):
        raise ModelError(f"{what}: stride and dilation must be >= 1, got {stride} and {dilation}")
    pads = _padding(padding, kernel, dilation, stride, d, what)
    spatial = in_shape[1:]
    out_sp = tuple((n + pl + pr - dl * (k - 1) - 1) // s + 1
                   for n, (pl, pr), dl, k, s in zip(spatial, pads, dilation, kernel, stride))
    if any(o < 1 for o in out_sp):
        raise ModelError(f"{what}: input {in_shape} is smaller than the (dilated) kernel {tuple(kernel)}")
    n_in_sp, n_out_sp = int(np.prod(spatial)), int(np.prod(out_sp))
    # channel pairs (co, ci) that a group connects, and their weight slice index ci_local
    co = np.repeat(np.arange(c_out), c_in_g)
    ci_local = np.tile(np.arange(c_in_g), c_out)
    ci = (co // (c_out // groups)) * c_in_g + ci_local
    rows, cols, vals = [], [], []
    for koff in np.ndindex(*kernel):
        # per spatial dim: output positions o whose input position o*s - pl + k*dl is inside
        idx_o, idx_i = [], []
        for dim in range(d):
            o = np.arange(out_sp[dim])
            i = o * stride[dim] - pads[dim][0] + koff[dim] * dilation[dim]
            ok = (i >= 0) & (i < spatial[dim])
            idx_o.append(o[ok])
            idx_i.append(i[ok])
        if any(a.size == 0 for a in idx_o):
            continue
        o_flat = np.ravel_multi_index(np.meshgrid(*idx_o, indexing="ij"), out_sp).ravel()
        i_flat = np.ravel_multi_index(np.meshgrid(*idx_i, indexing="ij"), spatial).ravel()
        wk = w[(co, ci_local) + tuple(np.full(co.size, k) for k in koff)]
        rows.append((co[:, None] * n_out_sp + o_flat[None, :]).ravel())
        cols.append((ci[:, None] * n_in_sp + i_flat[None, :]).ravel())
        vals.append(np.repeat(wk, o_flat.size))
    import scipy.sparse as sp  # on first use: `import neurosim` does without it (docs/decisions/0023-start-up.md)

    shape = (c_out * n_out_sp, c_in * n_in_sp)
    if not rows:
        return sp.csr_matrix(shape), (c_out,) + out_sp
    m = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape)
    m.sum_duplicates()
    m.eliminate_zeros()
    return m, (c_out,) + out_sp


def sum_pool_matrix(in_shape, kernel_size, stride=None, padding=0, average: bool = False,
                    what: str = "pool") -> tuple[sp.csr_matrix, tuple[int, ...]]:
    """2-D sum (or average, pad counted) pooling of a ``(C, H, W)`` input, floor mode."""
    in_shape = tuple(int(s) for s in in_shape)
    if len(in_shape) != 3:
        raise ModelError(f"{what}: 2-D pooling needs a (C, H, W) input, got shape {in_shape}")
    k = _tuple(kernel_size, 2, f"{what}: kernel_size")
    s = k if stride is None or np.size(stride) == 0 else _tuple(stride, 2, f"{what}: stride")
    p = (0, 0) if padding is None or np.size(padding) == 0 else _tuple(padding, 2, f"{what}: padding")
    c = in_shape[0]
    ones = np.full((c, 1) + k, 1.0 / (k[0] * k[1]) if average else 1.0)
    return conv_matrix(ones, in_shape, s, p, 1, c, what)


def flatten_shape(shape, start_dim=0, end_dim=-1, what: str = "flatten") -> tuple[int, ...]:
    """Shape after NIR ``Flatten`` (dims counted without the batch dim, negative from the end)."""
    shape = tuple(int(s) for s in shape)
    n = len(shape)
    a, b = int(np.asarray(start_dim).ravel()[0]), int(np.asarray(end_dim).ravel()[0])
    a, b = a + n if a < 0 else a, b + n if b < 0 else b
    if not 0 <= a <= b < n:
        raise ModelError(f"{what}: start_dim={start_dim}, end_dim={end_dim} do not fit an input of shape {shape}")
    return shape[:a] + (int(np.prod(shape[a:b + 1])),) + shape[b + 1:]
