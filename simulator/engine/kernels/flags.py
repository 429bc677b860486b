"""The fast-math flags the kernels compile with.

Not fastmath=True: that adds 'nnan' and 'ninf', which let LLVM assume no NaN or infinity
ever occurs, so a NaN in the weights could vanish instead of reaching the loss (divergence
detection relies on it). These keep IEEE NaN/inf semantics and still allow vectorised sums
(reassoc), fused multiply-adds (contract), and ignore the sign of zero (nsz).
"""
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


def prefer_512_bit_vectors() -> None:
    """On AVX-512 CPUs let LLVM vectorise with 512-bit registers (16 float32 at a time).

    LLVM's tuning for these CPUs prefers 256-bit vectors ('prefer-256-bit'), which halves
    the width of every kernel loop; PyTorch's oneDNN uses all 512 bits. Dropping that tuning
    flag made the conv kernels 5-15% faster here (measured). Numba reads config.CPU_FEATURES
    when it first compiles or loads a kernel, and keys its cache on it, so this must run
    before any kernel is used; a NUMBA_CPU_FEATURES/NUMBA_CPU_NAME set by the user wins."""
    import numba
    from llvmlite import binding as llvm
    if numba.config.CPU_FEATURES is not None or numba.config.CPU_NAME is not None:
        return
    try:
        features = llvm.get_host_cpu_features()
    except RuntimeError:          # the host's features are unknown: leave numba's default
        return
    if features.get("avx512f"):
        numba.config.CPU_FEATURES = features.flatten() + ",-prefer-256-bit"
