"""Linear algebra: matmul (every rank case of PyTorch, batch broadcasting), mm, bmm, mv, dot,
outer and addmm (what ``nn.functional.linear`` uses).

These ops do not promote dtypes: mixed dtypes raise PyTorch's messages, which name the
underlying kernel (mm, bmm, addmv, dot). ``matmul`` is one node; its ``grad_fn`` carries the
name PyTorch's top node has for the same operands (``MmBackward0``, ``UnsafeViewBackward0``,
``CloneBackward0``...), which depends on their ranks, strides and requires_grad.
"""
from __future__ import annotations

from ..autograd.graph import apply
from ..tensor import Tensor
from .registry import Attr, OpDef, Sample, TensorSpec, prod, register
from .shape import check_expand, set_node_name
from .. import _dtype as D

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "addmm"]

# dtype names as PyTorch's messages print them
_C = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
      "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
      "bool": "bool"}
_S = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
      "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _no_bool(dt, kernel: str) -> None:
    if dt.kind == "b":
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


# ---- argument checks, in PyTorch's order and words (shapes are tuples, dtypes numpy dtypes;
# numpy's dtype.name is slow, so names are looked up only to raise)

def _check_dot(s1, s2, d1, d2) -> None:
    if len(s1) != 1 or len(s2) != 1:
        raise RuntimeError(f"1D tensors expected, but got {len(s1)}D and {len(s2)}D tensors")
    if d1 != d2:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_S[d1.name]} and {_S[d2.name]}")
    if s1[0] != s2[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{s1[0]}] and src [{s2[0]}] to have the "
            f"same number of elements, but got {s1[0]} and {s2[0]} elements respectively")
    _no_bool(d1, "dot")


def _check_mv(sm, sv, dm, dv) -> None:
    if len(sm) != 2 or len(sv) != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {len(sm)}, {len(sv)}")
    if sm[1] != sv[0]:
        raise RuntimeError(f"size mismatch, got input ({sm[0]}), mat ({sm[0]}x{sm[1]}), "
                           f"vec ({sv[0]})")
    if dm != dv:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_S[dv.name]}, {_S[dm.name]}, and {_S[dv.name]}")
    _no_bool(dm, "addmv_impl_cpu")


def _check_mm(s1, s2, d1, d2) -> None:
    if len(s1) != 2:
        raise RuntimeError("self must be a matrix")
    if len(s2) != 2:
        raise RuntimeError("mat2 must be a matrix")
    if s1[1] != s2[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({s1[0]}x{s1[1]} and "
                           f"{s2[0]}x{s2[1]})")
    if d1 != d2:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C[d1.name]} "
                           f"!= {_C[d2.name]}")
    _no_bool(d1, "addmm_impl_cpu_")


def _check_bmm(s1, s2, d1, d2) -> None:
    if len(s1) != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if len(s2) != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if s2[0] != s1[0] or s2[1] != s1[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{s1[0]}, {s1[2]}] but got: [{s2[0]}, {s2[1]}].")
    if d1 != d2:
        raise RuntimeError(f"expected scalar type {_S[d1.name]} but found {_S[d2.name]}")
    _no_bool(d1, "bmm")


def _batch_broadcast(a, b) -> tuple[int, ...]:
    """PyTorch's infer_size for batch dims (its message counts dims from the front)."""
    n = max(len(a), len(b))
    out = [1] * n
    for i in range(n - 1, -1, -1):  # from the last dim, as PyTorch checks
        x = a[i - n + len(a)] if i - n + len(a) >= 0 else 1
        y = b[i - n + len(b)] if i - n + len(b) >= 0 else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
        out[i] = y if x == 1 else x
    return tuple(out)


def _should_fold(sa, sb, rga, rgb, sta, stb) -> bool:
    """PyTorch's choice to fold the larger operand's batch into an mm/mv."""
    sta = sta or _contiguous_strides(sa)
    stb = stb or _contiguous_strides(sb)
    if len(sa) >= len(sb):
        t1, st1, dim_t2, t2_rg = sa, sta, len(sb), rgb
    else:
        t1 = tuple(sb[:-2]) + (sb[-1], sb[-2])
        st1 = tuple(stb[:-2]) + (stb[-1], stb[-2])
        dim_t2, t2_rg = len(sa), rga
    if not (len(t1) >= 3 and dim_t2 <= 2):
        return False
    if t2_rg:
        return True
    if len(sa) == 2:
        return False
    if prod(t1) == 0:
        return True
    return all(st1[i] == st1[i + 1] * t1[i + 1] for i in range(len(t1) - 2))


def matmul_plan(sa, sb, da, db, rga=False, rgb=False, sta=(), stb=()):
    """The output shape and PyTorch's top grad_fn name of ``matmul`` for operands of these
    shapes, dtypes, requires_grad flags and strides; raises PyTorch's errors."""
    na, nb = len(sa), len(sb)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 1 and nb == 1:
        _check_dot(sa, sb, da, db)
        return (), "DotBackward0"
    if na == 2 and nb == 1:
        _check_mv(sa, sb, da, db)
        return (sa[0],), "MvBackward0"
    if na == 1 and nb == 2:
        _check_mm((1, sa[0]), sb, da, db)
        return (sb[1],), "SqueezeBackward4"
    if na == 2 and nb == 2:
        _check_mm(sa, sb, da, db)
        return (sa[0], sb[1]), "MmBackward0"
    if _should_fold(sa, sb, rga, rgb, sta, stb):
        transpose = nb > na
        if transpose:
            t1, t2 = tuple(sb[:-2]) + (sb[-1], sb[-2]), ((sa[1], sa[0]) if na == 2 else sa)
            d1, d2 = db, da
        else:
            t1, t2, d1, d2 = sa, sb, da, db
        out = tuple(t1[:-1])
        folded = (prod(out), t1[-1])
        if len(t2) == 1:
            _check_mv(folded, t2, d1, d2)
            return out, "UnsafeViewBackward0"
        _check_mm(folded, t2, d1, d2)
        out = out + (t2[1],)
        if not transpose:
            return out, "UnsafeViewBackward0"
        rows, cols = out[-2], out[-1]
        final = out[:-2] + (cols, rows)
        # .mT().contiguous(): a copy unless the transposed result is already contiguous
        name = ("TransposeBackward0" if prod(final) == 0 or rows == 1 or cols == 1
                else "CloneBackward0")
        return final, name
    if na == 3 and nb == 3 and sa[0] != sb[0]:
        if sa[0] == 1 and rga:
            return matmul_plan(sa[1:], sb, da, db, rga, rgb, sta[1:], stb)
        if sb[0] == 1 and rgb:
            return matmul_plan(sa, sb[1:], da, db, rga, rgb, sta, stb[1:])
    n = sa[-2] if na > 1 else 1
    m2 = sb[-2] if nb > 1 else sb[0]
    p = sb[-1] if nb > 1 else 1
    batch = _batch_broadcast(tuple(sa[:-2]), tuple(sb[:-2]) if nb > 1 else ())
    B = prod(batch)
    _check_bmm((B, n, sa[-1]), (B, m2, p), da, db)
    return batch + ((n,) if na > 1 else ()) + ((p,) if nb > 1 else ()), "UnsafeViewBackward0"


def _contiguous_strides(shape) -> tuple[int, ...]:
    st, acc = [], 1
    for n in reversed(shape):
        st.append(acc)
        acc *= n
    return tuple(reversed(st))


def _strides(a) -> tuple[int, ...]:
    it = a.itemsize
    return tuple(s // it for s in a.strides)



def _transposed(x) -> bool:
    """A 2-D array laid out as the transpose of a contiguous one (``w.t()``)."""
    f = x.flags
    return f.f_contiguous and not f.c_contiguous


def _grad_mat1(g, b, mat1_t: bool):
    """Gradient of ``mat1`` in ``mat1 @ mat2``, laid out as ``mat1`` is (PyTorch's
    mm_mat1_backward): for a transposed ``mat1`` the gradient comes out transposed too, so the
    leaf behind the transpose receives a contiguous array it can keep without a copy."""
    return (b @ g.T).T if mat1_t else g @ b.T


def _grad_mat2(g, a, mat2_t: bool):
    """Gradient of ``mat2`` in ``mat1 @ mat2``, laid out as ``mat2`` is (mm_mat2_backward)."""
    return (g.T @ a).T if mat2_t else a.T @ g

class LinalgOp(OpDef):
    family = "linalg"
    dtype_rule = "none"  # mixed dtypes are an error, not a promotion

    def infer(self, specs, attrs):
        shape = self.out_shape(*[s.shape for s in specs[:2]], *[s.dtype.np for s in specs[:2]])
        return [TensorSpec(shape, specs[0].dtype, specs[0].device)]


@register
class Matmul(LinalgOp):
    name = "matmul"
    grad_name = "UnsafeViewBackward0"
    doc = "Matrix product with PyTorch's rank rules: dot, mv, mm, and broadcast batches."
    inputs = ("input", "other")

    def out_shape(self, sa, sb, da, db):
        return matmul_plan(sa, sb, da, db)[0]

    def forward(self, ctx, a, b):
        nig = ctx.needs_input_grad
        big = a.ndim > 2 or b.ndim > 2  # only then do strides matter (PyTorch's folding)
        _, name = matmul_plan(a.shape, b.shape, a.dtype, b.dtype, bool(nig and nig[0]),
                              bool(nig and nig[1]), _strides(a) if big else (),
                              _strides(b) if big else ())
        if nig:
            set_node_name(ctx, name)
            ctx.save(b if nig[0] else None, a if nig[1] else None)
        return ctx.xp.matmul(a, b)

    def backward(self, ctx, g):
        b, a = ctx.saved
        (sa, _), (sb, _) = ctx._in_meta
        xp = ctx.xp
        if len(sa) == 1 and len(sb) == 1:
            return (g * b if b is not None else None), (g * a if a is not None else None)
        g2 = g
        if len(sa) == 1:
            g2 = xp.expand_dims(g2, -2)
        if len(sb) == 1:
            g2 = xp.expand_dims(g2, -1)
        ga = gb = None
        if b is not None:
            b2 = b[:, None] if b.ndim == 1 else b
            ga = xp.matmul(g2, b2.swapaxes(-1, -2))
            if len(sa) == 1:
                ga = ga.squeeze(-2)
        if a is not None:
            a2 = a[None, :] if a.ndim == 1 else a
            gb = xp.matmul(a2.swapaxes(-1, -2), g2)
            if len(sb) == 1:
                gb = gb.squeeze(-1)
        return ga, gb  # the engine sums broadcast batch dims back

    def samples(self):
        yield Sample(((3,), (3,)), note="dot")
        yield Sample(((2, 3), (3,)), note="mv")
        yield Sample(((3,), (3, 4)), note="vector @ matrix")
        yield Sample(((2, 3), (3, 4)), note="mm")
        yield Sample(((3, 4, 5), (5, 4)), note="batch @ matrix")
        yield Sample(((5, 4), (3, 4, 5)), note="matrix @ batch")
        yield Sample(((3, 4, 5), (3, 5, 8)), note="bmm")
        yield Sample(((2, 1, 4, 5), (3, 5, 2)), note="broadcast batches")
        yield Sample(((3, 4, 5), (5,)), note="batch @ vector")
        yield Sample(((4,), (2, 4, 5)), note="vector @ batch")
        yield Sample((("T", (3, 4)), (4, 5)), note="non-contiguous")


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Matrix product of ``input`` and ``other`` with PyTorch's rank and broadcasting rules."""
    return apply(Matmul.INSTANCE, (input, other), {})


@register
class Mm(LinalgOp):
    name = "mm"
    doc = "Matrix product of two 2-D tensors."
    inputs = ("input", "mat2")

    def out_shape(self, s1, s2, d1, d2):
        _check_mm(s1, s2, d1, d2)
        return (s1[0], s2[1])

    def forward(self, ctx, a, b):
        _check_mm(a.shape, b.shape, a.dtype, b.dtype)
        nig = ctx.needs_input_grad
        if nig:
            ctx.save(b if nig[0] else None, a if nig[1] else None, _transposed(a),
                     _transposed(b))
        return a @ b

    def backward(self, ctx, g):
        b, a, a_t, b_t = ctx.saved
        return ((_grad_mat1(g, b, a_t) if b is not None else None),
                (_grad_mat2(g, a, b_t) if a is not None else None))

    def samples(self):
        yield Sample(((2, 3), (3, 4)))
        yield Sample((("T", (2, 3)), (3, 4)), note="non-contiguous")
        yield Sample(((1, 5), (5, 1)))


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Matrix product of two matrices."""
    return apply(Mm.INSTANCE, (input, mat2), {})


@register
class Bmm(LinalgOp):
    name = "bmm"
    doc = "Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p)."
    inputs = ("input", "mat2")

    def out_shape(self, s1, s2, d1, d2):
        _check_bmm(s1, s2, d1, d2)
        return (s1[0], s1[1], s2[2])

    def forward(self, ctx, a, b):
        _check_bmm(a.shape, b.shape, a.dtype, b.dtype)
        nig = ctx.needs_input_grad
        if nig:
            ctx.save(b if nig[0] else None, a if nig[1] else None)
        return ctx.xp.matmul(a, b)

    def backward(self, ctx, g):
        b, a = ctx.saved
        xp = ctx.xp
        return ((xp.matmul(g, b.swapaxes(1, 2)) if b is not None else None),
                (xp.matmul(a.swapaxes(1, 2), g) if a is not None else None))

    def samples(self):
        yield Sample(((3, 4, 5), (3, 5, 8)))
        yield Sample(((1, 2, 3), (1, 3, 2)))
        yield Sample((("T", (3, 4, 5)), (3, 5, 2)), note="non-contiguous")


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Batched matrix product of two 3-D tensors."""
    return apply(Bmm.INSTANCE, (input, mat2), {})


@register
class Mv(LinalgOp):
    name = "mv"
    doc = "Matrix-vector product: (n, m) @ (m,) -> (n,)."
    inputs = ("input", "vec")

    def out_shape(self, s1, s2, d1, d2):
        _check_mv(s1, s2, d1, d2)
        return (s1[0],)

    def forward(self, ctx, a, v):
        _check_mv(a.shape, v.shape, a.dtype, v.dtype)
        nig = ctx.needs_input_grad
        if nig:
            ctx.save(v if nig[0] else None, a if nig[1] else None)
        return a @ v

    def backward(self, ctx, g):
        v, a = ctx.saved
        return ((ctx.xp.outer(g, v) if v is not None else None),
                (a.T @ g if a is not None else None))

    def samples(self):
        yield Sample(((2, 3), (3,)))
        yield Sample((("T", (2, 3)), (3,)), note="non-contiguous")


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """Matrix-vector product."""
    return apply(Mv.INSTANCE, (input, vec), {})


@register
class Dot(LinalgOp):
    name = "dot"
    doc = "Inner product of two 1-D tensors of the same size."
    inputs = ("input", "tensor")

    def out_shape(self, s1, s2, d1, d2):
        _check_dot(s1, s2, d1, d2)
        return ()

    def forward(self, ctx, a, b):
        _check_dot(a.shape, b.shape, a.dtype, b.dtype)
        nig = ctx.needs_input_grad
        if nig:
            ctx.save(b if nig[0] else None, a if nig[1] else None)
        return ctx.xp.dot(a, b)

    def backward(self, ctx, g):
        b, a = ctx.saved
        return (g * b if b is not None else None), (g * a if a is not None else None)

    def samples(self):
        yield Sample(((3,), (3,)))
        yield Sample(((1,), (1,)))


def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    """Inner product of two vectors."""
    return apply(Dot.INSTANCE, (input, tensor), {})



@register
class Outer(OpDef):
    name = "outer"
    grad_name = "MulBackward0"  # PyTorch computes it as input[:, None] * vec2
    family = "linalg"
    doc = "Outer product of two vectors: (n,) x (m,) -> (n, m); dtypes promote."
    inputs = ("input", "vec2")

    def infer(self, specs, attrs):
        _check_outer(specs[0].shape, specs[1].shape)
        dt = D.promote_types(specs[0].dtype, specs[1].dtype)
        return [TensorSpec((specs[0].shape[0], specs[1].shape[0]), dt, specs[0].device)]

    def forward(self, ctx, a, b):
        _check_outer(a.shape, b.shape)
        nig = ctx.needs_input_grad
        if nig:
            ctx.save(b if nig[0] else None, a if nig[1] else None)
        return a[:, None] * b

    def backward(self, ctx, g):
        b, a = ctx.saved
        return (g @ b if b is not None else None), (a @ g if a is not None else None)

    def samples(self):
        yield Sample(((3,), (4,)))
        yield Sample(((1,), (2,)))


def _check_outer(s1, s2) -> None:
    if len(s1) != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {len(s1)}-D")
    if len(s2) != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {len(s2)}-D")


def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """Outer product of two vectors."""
    return apply(Outer.INSTANCE, (input, vec2), {})



@register
class Addmm(OpDef):
    name = "addmm"
    family = "linalg"
    doc = "beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape."
    inputs = ("input", "mat1", "mat2")
    dtype_rule = "none"
    attrs = (Attr("beta", "scalar", 1, "multiplier of input"),
             Attr("alpha", "scalar", 1, "multiplier of mat1 @ mat2"))

    def infer(self, specs, attrs):
        s = [x.shape for x in specs]
        shape = _check_addmm(*s, *[x.dtype.np for x in specs])
        return [TensorSpec(shape, specs[1].dtype, specs[1].device)]

    def forward(self, ctx, c, a, b, beta=1, alpha=1):
        _check_addmm(c.shape, a.shape, b.shape, c.dtype, a.dtype, b.dtype)
        nig = ctx.needs_input_grad
        if nig:
            ctx.save(b if nig[1] else None, a if nig[2] else None, _transposed(a),
                     _transposed(b), beta, alpha)
        out = a @ b
        if alpha != 1:
            out = out * alpha
        if beta != 0:  # beta == 0 ignores input (even NaN in it), as PyTorch
            out = out + (c if beta == 1 else c * beta)
        return out.astype(a.dtype, copy=False)

    def backward(self, ctx, g):
        b, a, a_t, b_t, beta, alpha = ctx.saved
        nig = ctx.needs_input_grad
        gc = (g if beta == 1 else g * beta) if nig[0] else None
        ga = gb = None
        if b is not None:
            ga = _grad_mat1(g, b, a_t)
            if alpha != 1:
                ga = ga * alpha
        if a is not None:
            gb = _grad_mat2(g, a, b_t)
            if alpha != 1:
                gb = gb * alpha
        return gc, ga, gb

    def samples(self):
        yield Sample(((4,), (2, 3), (3, 4)))
        yield Sample(((2, 4), (2, 3), (3, 4)), {"beta": 0.5, "alpha": 2.0})
        yield Sample(((2, 1), ("T", (2, 3)), (3, 4)), note="non-contiguous mat1")
        yield Sample(((), (2, 3), (3, 4)), note="0-dim input")


def _check_addmm(sc, s1, s2, dc, d1, d2) -> tuple[int, int]:
    if len(s1) != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {len(s1)}-D tensor")
    if len(s2) != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {len(s2)}-D tensor")
    if s1[1] != s2[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({s1[0]}x{s1[1]} and "
                           f"{s2[0]}x{s2[1]})")
    if dc != d2:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_S[dc.name]} and "
                           f"{_S[d2.name]}")
    if d1 != d2:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_S[d1.name]} and "
                           f"{_S[d2.name]}")
    _no_bool(d1, "addmm_impl_cpu_")
    shape = (s1[0], s2[1])
    check_expand(sc, shape, dc)
    return shape


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` in one node (AddmmBackward0)."""
    attrs = {} if beta == 1 and alpha == 1 else {"beta": beta, "alpha": alpha}
    return apply(Addmm.INSTANCE, (input, mat1, mat2), attrs)

