"""LLVM intrinsics for the engine kernel (``numba.extending.intrinsic``).

The generated engine module imports this module, and its source is part of that module's hash
(``neurosim.engine.codegen``), so an edit here recompiles the kernel.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, arr, i):
    """Ask the CPU to bring ``arr[i]`` into the cache (``llvm.prefetch``: read, keep in all levels).

    A hint only: no effect on results, never faults. The synapse arrays are too large for the
    caches and each packet starts at an unpredictable place, so the delivery loop prefetches the
    segment of a packet a little ahead of processing it.
    """
    if not isinstance(arr, types.Array) or not isinstance(i, types.Integer):
        return None
    sig = types.void(arr, i)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = builder.module.declare_intrinsic(
            "llvm.prefetch", fnty=ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]))
        ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), byte_ptr)
        # rw = 0 (read), locality = 3 (keep in every cache level), cache type = 1 (data)
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen
