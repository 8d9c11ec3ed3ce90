"""Sums in numpy's order, for kernels whose results must match their numpy twins bit for bit.

numpy adds a contiguous float run pairwise: a run of up to 128 values with eight running sums
(a plain loop under 8 values), a longer run as two halves (the first a multiple of 8) summed
apart and then added. A kernel that sums the same values in another order can differ in the
last bit, and a threshold on that sum can then flip. Both helpers work for float32 and float64
arrays and add in the array's own type.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def _leaf(a: NDArray[np.floating], lo: int, n: int):  # type: ignore[no-untyped-def]  # pragma: no cover
    """numpy's pairwise leaf over ``a[lo:lo + n]``, n <= 128."""
    if n < 8:
        res = -np.zeros(1, a.dtype)[0]  # numpy starts from -0.0 (so that a sum of -0.0 stays -0.0)
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - n % 8
    while i < m:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def block_sum(a: NDArray[np.floating], lo: int, n: int):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``a[lo:lo + n].sum()`` for n <= 128 (the reduction adds the pairwise sum to its identity, 0)."""
    return np.zeros(1, a.dtype)[0] + _leaf(a, lo, n)


@njit(cache=True, nogil=True)
def pairwise_sum(a: NDArray[np.floating], lo: int, n: int):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``a[lo:lo + n].sum()``, any n. The halving recursion runs on an explicit stack (numba's
    on-disk cache cannot hold a self-recursive function)."""
    zero = np.zeros(1, a.dtype)[0]
    if n <= 128:
        return zero + _leaf(a, lo, n)
    return pairwise_sum_with(a, lo, n, zero, np.empty((3, 64), np.int64), np.empty(64, a.dtype))


@njit(cache=True, nogil=True)
def pairwise_sum_with(a: NDArray[np.floating], lo: int, n: int, zero, stack: NDArray[np.int64],  # type: ignore[no-untyped-def]
                      left: NDArray[np.floating]):  # pragma: no cover
    """``pairwise_sum`` with the caller's scratch (a loop over many sums allocates it once): ``zero``
    a 0 of ``a``'s type, ``stack`` (3, 64) int64 and ``left`` (64,) of ``a``'s type, overwritten."""
    if n <= 128:
        return zero + _leaf(a, lo, n)
    s_lo = stack[0]
    s_n = stack[1]
    s_stage = stack[2]  # 0: not split yet, 1: left half pending, 2: right half pending
    s_stage[0] = 0
    s_left = left
    top = 0
    s_lo[0] = lo
    s_n[0] = n
    ret = a[lo]
    have_ret = False
    while True:
        if have_ret:
            if top < 0:
                return zero + ret
            if s_stage[top] == 1:  # the left half is done: keep it, sum the right half
                s_left[top] = ret
                s_stage[top] = 2
                n2 = s_n[top] // 2 - (s_n[top] // 2) % 8
                top += 1
                s_lo[top] = s_lo[top - 1] + n2
                s_n[top] = s_n[top - 1] - n2
                s_stage[top] = 0
                have_ret = False
            else:
                ret = s_left[top] + ret
                top -= 1
            continue
        if s_n[top] <= 128:
            ret = _leaf(a, s_lo[top], s_n[top])
            top -= 1
            have_ret = True
        else:
            s_stage[top] = 1
            n2 = s_n[top] // 2 - (s_n[top] // 2) % 8
            top += 1
            s_lo[top] = s_lo[top - 1]
            s_n[top] = n2
            s_stage[top] = 0


@njit(cache=True, nogil=True)
def row_col_sums(a: NDArray[np.uint8]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:  # pragma: no cover
    """Exact int64 sums of each row and each column of an (H, W) uint8 array, in one pass."""
    h, w = a.shape
    rows = np.empty(h, np.int64)
    cols = np.zeros(w, np.int64)
    for y in range(h):
        r = np.int64(0)
        for x in range(w):
            v = np.int64(a[y, x])
            r += v
            cols[x] += v
        rows[y] = r
    return rows, cols
