"""A cache-prefetch hint for kernels that stream through frames written by another thread.

``prefetch(a, i)`` asks the CPU to start loading the cache line that holds ``a[i]`` (a 1-D
array) and returns at once; it changes no value. The change gate's block means read the board's
region of every frame, which the decoding thread has just written on the other core: with the
next block row prefetched while the current one is summed, a 400 x 400 region takes ~70 instead
of ~100 us (the reads wait on memory, not on arithmetic). Under ``NUMBA_DISABLE_JIT`` (the
kernels' pure-Python test run) it is a Python function that does nothing.
"""

from __future__ import annotations

from typing import Any

from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic


def _noop(a: Any, i: int) -> None:
    """What ``prefetch`` does to values: nothing."""


if config.DISABLE_JIT:
    prefetch = _noop
else:
    from llvmlite import ir

    @intrinsic
    def prefetch(typingctx: Any, a: Any, i: Any) -> Any:  # pragma: no cover - compiled
        """LLVM's ``llvm.prefetch`` for reading, kept in every cache level, on the line of ``a[i]``."""
        if not (isinstance(a, types.Array) and a.ndim == 1 and isinstance(i, types.Integer)):
            return None
        sig = types.void(a, i)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            arr_t = signature.args[0]
            arr = context.make_array(arr_t)(context, builder, args[0])
            ptr = cgutils.get_item_pointer(context, builder, arr_t, arr, [args[1]], boundscheck=False)
            i8p = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                                "llvm.prefetch.p0i8")
            # (address, 0 = read, 3 = keep in all cache levels, 1 = data cache)
            builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
            return context.get_dummy_value()

        return sig, codegen
