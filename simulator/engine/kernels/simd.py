"""Explicit SIMD vectors for the register-blocked float32 kernels (flat.py, dense.py).

LLVM's loop vectoriser only vectorises innermost loops, so a kernel whose partial sums must
stay in registers across a long reduction (a GEMM micro-kernel: 24 accumulators, each a
vector of 16 output values, updated once per filter tap) cannot be written as plain loops:
the sums go to memory on every tap. These intrinsics give Numba a vector value type, `F32V`
(VW float32 lanes, one vector register), and the few operations such a kernel needs:

    vload(a, i)       a[i : i+VW] as a vector (a 1-D float32 array; unaligned is fine)
    vload_n(a, i, m)  the same, lanes >= m read as 0 and never touched in memory
    vstore(a, i, v)   a[i : i+VW] = v;   vstore_n(a, i, v, m): only lanes < m
    vsplat(s)         s in every lane;   vsplat_at(a, i): a[i] in every lane (no index wrap-around)
    vfma(a, b, c)     a·b + c in every lane (one rounding)
    vsum(v)           the sum of the lanes

Locals of type F32V are SSA values, so LLVM keeps them in registers. No fast-math flags are
attached: NaN and infinity propagate as in IEEE arithmetic. Indices are not bounds-checked;
the kernels size their buffers so every vector access stays inside them.

Numba's cache keys a kernel on its own source file only: after editing this module, delete
the cache (the *.nbi/*.nbc files) or kernels elsewhere keep their old compiled intrinsics.

PATH names the kernels this process runs, chosen once at import from the features Numba
compiles for (NUMBA_CPU_FEATURES when set, else the host's, as Numba does; NUMBA_CPU_NAME alone
changes only the tuning, not the instruction set):

    "avx512"  32 vector registers of 16 float32: VW = 16, the blocks in flat.py, wgrad.py, dense.py
    "avx2"    AVX2 + FMA, 16 registers of 8 float32: VW = 8, the blocks in avx2.py (12 partial sums)
    "off"     neither: the callers keep their plain loop kernels (AVAILABLE is False)

The environment variable CNN_SIMULATOR_SIMD=avx512|avx2|off|auto overrides the choice (auto,
the default, takes the widest the target has). Forcing avx2 on an AVX-512 CPU also turns the
AVX-512 features off for everything Numba compiles, so the whole engine runs as on an AVX2-only
CPU (and Numba's cache, keyed on the features, keeps the two builds apart: the vector width is
a compile-time constant it does not see). A request the target cannot run falls back to auto.
"""
import os
import sys

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

from .flags import prefer_512_bit_vectors

CHOICES = ("auto", "avx512", "avx2", "off")
_IMPLY_512 = ("avx512", "avx10", "amx", "evex512")     # LLVM features that need AVX-512


def _target_features() -> set:
    """The features Numba compiles for, as LLVM names: {'avx2', 'fma', ...} (those marked +)."""
    from numba.core.codegen import get_host_cpu_features
    flat = numba.config.CPU_FEATURES
    if flat is None:
        flat = get_host_cpu_features()
    return {f[1:] for f in flat.split(",") if f.startswith("+")}


def _without_avx512(flat: str) -> str:
    """A feature list ('+avx2,+avx512f,...') with AVX-512 and what implies it turned off."""
    return ",".join("-" + f[1:] if f[1:].startswith(_IMPLY_512) else f for f in flat.split(",") if f)


def _choose() -> str:
    """'avx512', 'avx2' or 'off' (see the module docstring); sets Numba's target to match."""
    from numba.core.codegen import get_host_cpu_features
    want = os.environ.get("CNN_SIMULATOR_SIMD", "").strip().lower() or "auto"
    if want not in CHOICES:
        print(f"CNN_SIMULATOR_SIMD={want!r} is not one of {', '.join(CHOICES)}: using auto", file=sys.stderr)
        want = "auto"
    features = _target_features()
    has512 = "avx512f" in features
    has2 = "avx2" in features and "fma" in features
    if want == "off":
        if has512:          # the loop kernels vectorise with 512 bits too
            prefer_512_bit_vectors()
        return "off"
    if want == "avx2" and has2:
        if has512:
            numba.config.CPU_FEATURES = _without_avx512(numba.config.CPU_FEATURES or get_host_cpu_features())
        return "avx2"
    if want == "avx2" or (want == "avx512" and not has512):
        print(f"CNN_SIMULATOR_SIMD={want}: Numba's target CPU lacks it: using auto", file=sys.stderr)
    if has512:
        prefer_512_bit_vectors()
        return "avx512"
    return "avx2" if has2 else "off"


PATH = _choose()
AVAILABLE = PATH != "off"
VW = 16 if PATH == "avx512" else 8      # float32 lanes per vector register
_VT = ir.VectorType(ir.FloatType(), VW)
_MT = ir.VectorType(ir.IntType(1), VW)
_I32 = ir.IntType(32)


def describe() -> str:
    """One line for the bench: the kernels that run and the target Numba compiles for."""
    kind = {"avx512": "AVX-512 kernels, 16-lane", "avx2": "AVX2 kernels, 8-lane",
            "off": "loop kernels, no explicit"}[PATH]
    why = os.environ.get("CNN_SIMULATOR_SIMD", "").strip() or "auto"
    target = numba.config.CPU_NAME or "host CPU"
    from numba.core.codegen import get_host_cpu_features
    no512 = ", AVX-512 off" if "+avx512f" in get_host_cpu_features() and "avx512f" not in _target_features() else ""
    return f"{kind} float32 vectors (CNN_SIMULATOR_SIMD={why}; Numba compiles for the {target}{no512})"


class F32Vector(types.Type):
    """VW float32 lanes held in one vector register."""

    def __init__(self):
        super().__init__(name=f"f32x{VW}")


F32V = F32Vector()


@register_model(F32Vector)
class _F32VectorModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _VT)


def _pointer(context, builder, aryty, ary, i):
    data = context.make_array(aryty)(context, builder, ary).data
    return builder.bitcast(builder.gep(data, [i], inbounds=True), _VT.as_pointer())


def _broadcast(builder, value, vector_type):
    """value (a scalar of vector_type's element type) in every one of its VW lanes."""
    u = builder.insert_element(ir.Constant(vector_type, ir.Undefined), value, ir.Constant(_I32, 0))
    return builder.shuffle_vector(u, u, ir.Constant(ir.VectorType(_I32, VW), [0] * VW))


def _mask(builder, m):
    """<VW x i1>: lane l is on when l < m."""
    lanes = ir.Constant(ir.VectorType(_I32, VW), list(range(VW)))
    return builder.icmp_signed("<", lanes, _broadcast(builder, builder.trunc(m, _I32), ir.VectorType(_I32, VW)))


def _f32_array(arr):
    return isinstance(arr, types.Array) and arr.dtype == types.float32 and arr.ndim == 1


@intrinsic
def vload(typingctx, arr, i):
    if not _f32_array(arr):
        return None

    def codegen(context, builder, sig, args):
        i = context.cast(builder, args[1], sig.args[1], types.intp)
        return builder.load(_pointer(context, builder, sig.args[0], args[0], i), align=4)
    return F32V(arr, i), codegen


@intrinsic
def vload_n(typingctx, arr, i, m):
    if not _f32_array(arr):
        return None

    def codegen(context, builder, sig, args):
        i = context.cast(builder, args[1], sig.args[1], types.intp)
        m = context.cast(builder, args[2], sig.args[2], types.intp)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(
            _VT, [_VT.as_pointer(), _I32, _MT, _VT]), f"llvm.masked.load.v{VW}f32.p0")
        return builder.call(fn, [_pointer(context, builder, sig.args[0], args[0], i), ir.Constant(_I32, 4),
                                 _mask(builder, m), ir.Constant(_VT, [0.0] * VW)])
    return F32V(arr, i, m), codegen


@intrinsic
def vstore(typingctx, arr, i, v):
    if not _f32_array(arr):
        return None

    def codegen(context, builder, sig, args):
        i = context.cast(builder, args[1], sig.args[1], types.intp)
        builder.store(args[2], _pointer(context, builder, sig.args[0], args[0], i), align=4)
        return context.get_dummy_value()
    return types.none(arr, i, F32V), codegen


@intrinsic
def vstore_n(typingctx, arr, i, v, m):
    if not _f32_array(arr):
        return None

    def codegen(context, builder, sig, args):
        i = context.cast(builder, args[1], sig.args[1], types.intp)
        m = context.cast(builder, args[3], sig.args[3], types.intp)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(
            ir.VoidType(), [_VT, _VT.as_pointer(), _I32, _MT]), f"llvm.masked.store.v{VW}f32.p0")
        builder.call(fn, [args[2], _pointer(context, builder, sig.args[0], args[0], i), ir.Constant(_I32, 4),
                          _mask(builder, m)])
        return context.get_dummy_value()
    return types.none(arr, i, F32V, m), codegen


@intrinsic
def vsplat(typingctx, s):
    if not isinstance(s, (types.Float, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        v = context.cast(builder, args[0], sig.args[0], types.float32)
        return _broadcast(builder, v, _VT)
    return F32V(s), codegen


@intrinsic
def vsplat_at(typingctx, arr, i):
    if not _f32_array(arr):
        return None

    def codegen(context, builder, sig, args):
        i = context.cast(builder, args[1], sig.args[1], types.intp)
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        v = builder.load(builder.gep(data, [i], inbounds=True), align=4)
        return _broadcast(builder, v, _VT)
    return F32V(arr, i), codegen


@intrinsic
def vfma(typingctx, a, b, c):
    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VT, [_VT] * 3), f"llvm.fma.v{VW}f32")
        return builder.call(fn, args)
    return F32V(F32V, F32V, F32V), codegen


@intrinsic
def vsum(typingctx, v):
    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(
            ir.FloatType(), [ir.FloatType(), _VT]), f"llvm.vector.reduce.fadd.v{VW}f32")
        return builder.call(fn, [ir.Constant(ir.FloatType(), -0.0), args[0]])
    return types.float32(F32V), codegen


@intrinsic
def pool2x2(typingctx, x, o, W, n, y, yo, am, ao, base):
    """Max-pool 2×2 windows at stride 2 of the rows x[o : o+2n] and x[o+W : o+W+2n] (n <= VW
    windows, inputs without NaN): y[yo + l] = the window's maximum, am[ao + l] = base + 2l plus
    0, 1, W or W+1, where its first maximum in row-major order lies (as pool.py's kernels)."""
    if not (_f32_array(x) and _f32_array(y) and isinstance(am, types.Array) and am.dtype == types.int32):
        return None

    def codegen(context, builder, sig, args):
        x, o, W, n, y, yo, am, ao, base = args
        o, W, n, yo, ao, base = (context.cast(builder, args[k], sig.args[k], types.intp) for k in (1, 2, 3, 5, 7, 8))
        xa = context.make_array(sig.args[0])(context, builder, x).data
        ya = context.make_array(sig.args[4])(context, builder, y).data
        aa = context.make_array(sig.args[6])(context, builder, am).data
        load = cgutils.get_or_insert_function(builder.module, ir.FunctionType(
            _VT, [_VT.as_pointer(), _I32, _MT, _VT]), f"llvm.masked.load.v{VW}f32.p0")
        two_n = builder.mul(n, ir.Constant(n.type, 2))

        def row(off):
            lo = builder.bitcast(builder.gep(xa, [off], inbounds=True), _VT.as_pointer())
            hi = builder.bitcast(builder.gep(xa, [builder.add(off, ir.Constant(off.type, VW))], inbounds=True),
                                 _VT.as_pointer())
            zero = ir.Constant(_VT, [0.0] * VW)
            a = builder.call(load, [lo, ir.Constant(_I32, 4), _mask(builder, two_n), zero])
            b = builder.call(load, [hi, ir.Constant(_I32, 4),
                                    _mask(builder, builder.sub(two_n, ir.Constant(n.type, VW))), zero])
            even = builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(_I32, VW), list(range(0, 2 * VW, 2))))
            odd = builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(_I32, VW), list(range(1, 2 * VW, 2))))
            return even, odd
        va, vb = row(o)
        vc, vd = row(builder.add(o, W))
        IV = ir.VectorType(_I32, VW)

        def splat_i(v):
            return _broadcast(builder, builder.trunc(v, _I32), IV)
        arg = builder.add(splat_i(base), ir.Constant(IV, [2 * l for l in range(VW)]))
        best, where = va, arg
        for v, step in ((vb, splat_i(ir.Constant(W.type, 1))), (vc, splat_i(W)),
                        (vd, splat_i(builder.add(W, ir.Constant(W.type, 1))))):
            take = builder.fcmp_ordered(">", v, best)
            best = builder.select(take, v, best)
            where = builder.select(take, builder.add(arg, step), where)
        mask = _mask(builder, n)
        store_f = cgutils.get_or_insert_function(builder.module, ir.FunctionType(
            ir.VoidType(), [_VT, _VT.as_pointer(), _I32, _MT]), f"llvm.masked.store.v{VW}f32.p0")
        store_i = cgutils.get_or_insert_function(builder.module, ir.FunctionType(
            ir.VoidType(), [IV, IV.as_pointer(), _I32, _MT]), f"llvm.masked.store.v{VW}i32.p0")
        builder.call(store_f, [best, builder.bitcast(builder.gep(ya, [yo], inbounds=True), _VT.as_pointer()),
                               ir.Constant(_I32, 4), mask])
        builder.call(store_i, [where, builder.bitcast(builder.gep(aa, [ao], inbounds=True), IV.as_pointer()),
                               ir.Constant(_I32, 4), mask])
        return context.get_dummy_value()
    return types.none(x, o, W, n, y, yo, am, ao, base), codegen
