"""Builds resources/examples/NN_slug.gradlab: the classroom gallery of /work/shared/EXAMPLES.md.

Run: .venv/bin/python -m resources.build_gallery [NN ...]
Node ids are stable (derived from the example and the node label) so rebuilding diffs well.
"""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import numpy as np

from engine.graph.fileformat import save
from engine.graph.model import Graph

OUT = Path(__file__).resolve().parent / "examples"
DX, DY = 190.0, 120.0


class B:
    """A small builder: nodes by label, edges by (label, port), auto left-to-right layout."""

    def __init__(self, slug: str, title: str, note: str) -> None:
        self.slug, self.g = slug, Graph()
        self.g.set_meta(title=title, note=note)
        self.row_hint: dict[str, float] = {}

    def _id(self, label: str) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"gradlab:{self.slug}:{label}").hex

    def n(self, kind: str, label: str, row: float | None = None, rg: bool | None = None,
          retain: bool = False, **attrs) -> str:
        node = self.g.add_node(kind, attrs, label=label, id=self._id(label), requires_grad=rg,
                               retain_grad=retain)
        if row is not None:
            self.row_hint[node.id] = row
        return node.id

    def e(self, src: str, dst: str, port: str = "input", src_port: str = "out") -> None:
        self.g.connect(src, src_port, dst, port, id=self._id(f"{src}->{dst}.{port}"))

    def frame(self, label: str, members: list[str], no_grad: bool = True) -> None:
        self._frames = getattr(self, "_frames", []) + [(label, members, no_grad)]

    def layout(self) -> None:
        g = self.g
        depth: dict[str, int] = {}
        for nid in g.topological_order():
            ins = [e.src for e in g.edges.values() if e.dst == nid]
            depth[nid] = max((depth[s] + 1 for s in ins), default=0)
        used: dict[int, set[float]] = {}
        rows: dict[str, float] = {}
        for nid in g.topological_order():
            d = depth[nid]
            taken = used.setdefault(d, set())
            row = self.row_hint.get(nid)
            if row is None:
                ins = sorted((e for e in g.edges.values() if e.dst == nid),
                             key=lambda e: (e.dst_port != "input", e.index))
                row = rows[ins[0].src] if ins else 0.0
                while row in taken:
                    row += 1
            taken.add(row)
            rows[nid] = row
            g.move_node(nid, (40 + d * DX, 40 + row * DY))
        for label, members, no_grad in getattr(self, "_frames", []):
            xs = [g.nodes[m].pos[0] for m in members]
            ys = [g.nodes[m].pos[1] for m in members]
            g.add_frame(label, (min(xs) - 20, min(ys) - 30, max(xs) - min(xs) + 230,
                                max(ys) - min(ys) + 115), no_grad, members,
                        id=self._id("frame:" + label))

    def save(self, num: int) -> Path:
        self.layout()
        path = OUT / f"{num:02d}_{self.slug}.gradlab"
        save(self.g, path)
        return path


EXAMPLES = {}


def example(num: int):
    def deco(fn):
        EXAMPLES[num] = fn
        return fn
    return deco


@example(1)
def _():
    b = B("autograd_basics", "Autograd basics",
          "x = ones(2, 2, requires_grad=True); y = x + 2; z = y * y * 3; out = z.mean(); "
          "out.backward(). Each result remembers the operation that made it: y.grad_fn is "
          "AddBackward0, z's MulBackward0, out's MeanBackward0, and out = 27. Backward sends "
          "d(out)/dx back through that chain: x.grad is 4.5 everywhere (out = 3/4 * sum "
          "(x+2)^2, so d/dx = 3/2 (x+2) = 4.5).")
    x = b.n("source:ones", "x", rg=True, size=(2, 2))
    y = b.n("op:add", "y", other=2)
    yy = b.n("op:mul", "y * y")
    z = b.n("op:mul", "z", other=3)
    out = b.n("op:mean", "out")
    bw = b.n("special:backward", "backward")
    b.e(x, y), b.e(y, yy), b.e(y, yy, "other"), b.e(yy, z), b.e(z, out), b.e(out, bw, "tensor")
    return b


@example(2)
def _():
    b = B("vector_jacobian_product", "Vector-Jacobian product",
          "In code: x = randn(3, requires_grad=True); y = x * 2; while y.data.norm() < 1000: "
          "y = y * 2. A graph is one run of that loop, unrolled. Here x is fixed to "
          "[40, -30, 120] (norm 130), so y = x * 2 is doubled twice more (norm 1040 >= 1000): "
          "y = x * 2**3. y is a vector, so backward needs a vector v = [0.1, 1.0, 0.0001]: it "
          "computes v^T J, and x.grad = v * 2**3 = [0.8, 8, 0.0008]. The norm node reads "
          "y.detach(), like y.data, so it is not part of the gradient.")
    x = b.n("source:tensor", "x", rg=True, data=[40.0, -30.0, 120.0])
    y1 = b.n("op:mul", "y = x * 2", other=2)
    y2 = b.n("op:mul", "y = y * 2 (1)", other=2)
    y3 = b.n("op:mul", "y = y * 2 (2)", other=2)
    d = b.n("special:detach", "y.data", row=1)
    nrm = b.n("op:linalg_vector_norm", "norm", row=1)
    v = b.n("source:tensor", "v", row=2, data=[0.1, 1.0, 0.0001])
    bw = b.n("special:backward", "backward")
    b.e(x, y1), b.e(y1, y2), b.e(y2, y3), b.e(y3, d), b.e(d, nrm)
    b.e(y3, bw, "tensor"), b.e(v, bw, "gradient")
    return b


@example(3)
def _():
    b = B("scalar_derivative", "Scalar derivative",
          "x = tensor(10., dtype=float64, requires_grad=True); f = x**2 + 20; f.backward(). "
          "df/dx = 2x, so x.grad = 20. The float64 dtype carries through every node.")
    x = b.n("source:tensor", "x", rg=True, data=10.0, dtype="float64")
    sq = b.n("op:pow", "x**2", exponent=2)
    f = b.n("op:add", "f", other=20)
    bw = b.n("special:backward", "backward")
    b.e(x, sq), b.e(sq, f), b.e(f, bw, "tensor")
    return b


def _mean_chain(b: B, x: str, suffix: str = "") -> str:
    sq = b.n("op:pow", "x**2" + suffix, exponent=2)
    f = b.n("op:add", "x**2 + 20" + suffix, other=20)
    m = b.n("op:mean", "f" + suffix)
    b.e(x, sq), b.e(sq, f), b.e(f, m)
    return m


@example(4)
def _():
    b = B("mean_of_vector_function", "Mean of a vector function",
          "x = tensor([10, 20, 30, 40], dtype=float64, requires_grad=True); "
          "f = (x**2 + 20).mean(); f.backward(). The mean divides by 4, so "
          "x.grad = 2x / 4 = [5, 10, 15, 20].")
    x = b.n("source:tensor", "x", rg=True, data=[10, 20, 30, 40], dtype="float64")
    f = _mean_chain(b, x)
    bw = b.n("special:backward", "backward")
    b.e(f, bw, "tensor")
    return b


@example(5)
def _():
    b = B("gradients_accumulate", "Gradients accumulate",
          "Top: the same backward three times (retain_graph keeps the saved tensors for the "
          "next one) and x.grad = [15, 30, 45, 60]: PyTorch adds each gradient into .grad, "
          "it never clears it by itself. Bottom: x2 has a zero_grad node, which clears .grad "
          "before backward (x.grad.zero_() in code), so x2.grad stays [5, 10, 15, 20]. In the "
          "app, press Run backward again: x keeps growing, x2 does not.")
    x = b.n("source:tensor", "x", rg=True, row=0, data=[10, 20, 30, 40], dtype="float64")
    f = _mean_chain(b, x)
    for i in (1, 2, 3):
        bw = b.n("special:backward", f"backward {i}", row=i - 1, retain_graph=i < 3)
        b.e(f, bw, "tensor")
    x2 = b.n("source:tensor", "x2", rg=True, row=3, data=[10, 20, 30, 40], dtype="float64")
    f2 = _mean_chain(b, x2, " (2)")
    zg = b.n("special:zero_grad", "zero_grad", row=4)
    bw = b.n("special:backward", "backward (2)", row=3)
    b.e(x2, zg, "tensors"), b.e(f2, bw, "tensor")
    return b


@example(6)
def _():
    b = B("gradient_descent", "Gradient descent on x²",
          "x = 10.; loss = x**2; repeat: loss.backward(); x.data -= 0.001 * x.grad; "
          "x.grad.zero_(). The optimizer step node is that update (SGD, lr 0.001). The "
          "loop is not drawn: press Train and give 5000 steps. Each step multiplies x by "
          "1 - 0.001 * 2 = 0.998, so x ends at 10 * 0.998**5000, about 4.5e-4. A plain run "
          "shows one forward and backward: loss = 100, x.grad = 20.")
    x = b.n("special:parameter", "x", init="data", data=10.0)
    loss = b.n("op:pow", "loss = x**2", exponent=2)
    bw = b.n("special:backward", "backward")
    st = b.n("special:optim_step", "SGD step", row=1, optimizer="SGD", lr=0.001)
    b.e(x, loss), b.e(loss, bw, "tensor"), b.e(loss, st, "loss")
    return b


@example(7)
def _():
    b = B("partial_derivatives", "Partial derivatives",
          "y = a**2 * x + b * x + c with x = 1, a = 1, b = 2, c = 3. autograd.grad(y, [a, b, c]) "
          "returns the partial derivatives as new tensors, without touching .grad: "
          "dy/da = 2ax = 2, dy/db = x = 1, dy/dc = 1.")
    a = b.n("source:tensor", "a", rg=True, row=0, data=1.0)
    bb = b.n("source:tensor", "b", rg=True, row=1, data=2.0)
    x = b.n("source:tensor", "x", row=2, data=1.0)
    c = b.n("source:tensor", "c", rg=True, row=3, data=3.0)
    a2 = b.n("op:pow", "a**2", row=0, exponent=2)
    a2x = b.n("op:mul", "a**2 * x", row=0)
    bx = b.n("op:mul", "b * x", row=1)
    s = b.n("op:add", "a**2 * x + b * x", row=0)
    y = b.n("op:add", "y", row=0)
    gr = b.n("special:grad", "autograd.grad", row=0)
    b.e(a, a2), b.e(a2, a2x), b.e(x, a2x, "other"), b.e(bb, bx), b.e(x, bx, "other")
    b.e(a2x, s), b.e(bx, s, "other"), b.e(s, y), b.e(c, y, "other")
    b.e(y, gr, "outputs")
    for t in (a, bb, c):
        b.e(t, gr, "inputs")
    return b


@example(8)
def _():
    b = B("dot_product", "Dot product",
          "x = arange(4.) with requires_grad; y = 2 * dot(x, x) = 28 (grad_fn MulBackward0); "
          "y.backward() gives x.grad = 4x = [0, 4, 8, 12]. In code you zero x.grad between the "
          "next examples; here each has its own copy of x: x.sum() gives ones, "
          "(x * x).sum() gives 2x = [0, 2, 4, 6].")
    rows = []
    for i, (lbl, build) in enumerate((("x", "dot"), ("x (2)", "sum"), ("x (3)", "sq"))):
        x = b.n("source:arange", lbl, rg=True, row=i, start=0.0, end=4.0)
        if build == "dot":
            d = b.n("op:dot", "dot(x, x)", row=i)
            y = b.n("op:mul", "y = 2 * dot", row=i, other=2)
            b.e(x, d), b.e(x, d, "tensor"), b.e(d, y)
        elif build == "sum":
            y = b.n("op:sum", "x.sum()", row=i)
            b.e(x, y)
        else:
            xx = b.n("op:mul", "x * x", row=i)
            y = b.n("op:sum", "(x * x).sum()", row=i)
            b.e(x, xx), b.e(x, xx, "other"), b.e(xx, y)
        bw = b.n("special:backward", f"backward {i + 1}", row=i)
        b.e(y, bw, "tensor")
        rows.append(x)
    return b


@example(9)
def _():
    b = B("detach", "Detach",
          "y = x * x; u = y.detach(); z = u * x; z.sum().backward(). u has y's values but no "
          "history, so backward treats it as a constant: x.grad == u = [0, 1, 4, 9]. The "
          "second chain (its own x2) runs y.sum().backward() through y itself: x2.grad = 2x "
          "= [0, 2, 4, 6].")
    x = b.n("source:arange", "x", rg=True, row=0, start=0.0, end=4.0)
    y = b.n("op:mul", "y = x * x", row=0)
    u = b.n("special:detach", "u = y.detach()", row=0)
    z = b.n("op:mul", "z = u * x", row=0)
    s = b.n("op:sum", "z.sum()", row=0)
    bw = b.n("special:backward", "backward", row=0)
    b.e(x, y), b.e(x, y, "other"), b.e(y, u), b.e(u, z), b.e(x, z, "other"), b.e(z, s)
    b.e(s, bw, "tensor")
    x2 = b.n("source:arange", "x2", rg=True, row=2, start=0.0, end=4.0)
    y2 = b.n("op:mul", "y2 = x2 * x2", row=2)
    s2 = b.n("op:sum", "y2.sum()", row=2)
    bw2 = b.n("special:backward", "backward (2)", row=2)
    b.e(x2, y2), b.e(x2, y2, "other"), b.e(y2, s2), b.e(s2, bw2, "tensor")
    return b


@example(10)
def _():
    b = B("control_flow", "Control flow",
          "def f(a): b = a * 2; while b.norm() < 1000: b = b * 2; c = b if b.sum() > 0 else "
          "100 * b; return c. Autograd records the path the values took. With a = 150 the "
          "loop doubles twice (b = 1200) and the 'if' picks b. The graph draws that path: "
          "the loop unrolled, the 'if' as where(b.sum() > 0, b, 100 * b), which lets the "
          "gradient through the chosen branch only. f is linear in a on this path, so "
          "a.grad = d / a = 8.")
    a = b.n("source:tensor", "a", rg=True, data=150.0)
    b1 = b.n("op:mul", "b = a * 2", other=2)
    b2 = b.n("op:mul", "b = b * 2 (1)", other=2)
    b3 = b.n("op:mul", "b = b * 2 (2)", other=2)
    s = b.n("op:sum", "b.sum()", row=1)
    cond = b.n("op:gt", "b.sum() > 0", row=1, other=0)
    b100 = b.n("op:mul", "100 * b", row=2, other=100)
    c = b.n("op:where", "c = where(...)")
    bw = b.n("special:backward", "backward")
    b.e(a, b1), b.e(b1, b2), b.e(b2, b3), b.e(b3, s), b.e(s, cond), b.e(b3, b100)
    b.e(cond, c, "condition"), b.e(b3, c, "input"), b.e(b100, c, "other")
    b.e(c, bw, "tensor")
    return b


@example(11)
def _():
    b = B("no_grad", "no_grad",
          "(x**2).requires_grad is True: the result remembers how it was made. Inside the "
          "no_grad frame (with torch.no_grad(): in code) the same operation records "
          "nothing: requires_grad is False and grad_fn is None. Use it for evaluation and for "
          "updates that must not become part of the graph.")
    x = b.n("source:tensor", "x", rg=True, data=[1.0, 2.0, 3.0])
    y = b.n("op:pow", "x**2", row=0, exponent=2)
    y2 = b.n("op:pow", "x**2 (no_grad)", row=2, exponent=2)
    b.e(x, y), b.e(x, y2)
    b.frame("no_grad", [y2])
    return b


@example(12)
def _():
    b = B("leaves_and_retain_grad", "Leaves and retain_grad",
          "x is a leaf: made by you, grad_fn None, is_leaf True; backward fills x.grad. "
          "y = x * 2 and w = x * 3 are not leaves. PyTorch keeps .grad only on leaves: w.grad "
          "is None (reading it warns). y has the retain_grad flag (y.retain_grad() in code), "
          "so y.grad is kept: ones. x.grad = 2 + 3 = 5 everywhere. The grad flow column shows "
          "what reached every tensor anyway.")
    x = b.n("source:tensor", "x", rg=True, data=[1.0, 2.0, 3.0])
    y = b.n("op:mul", "y", row=0, retain=True, other=2)
    w = b.n("op:mul", "w", row=1, other=3)
    s = b.n("op:add", "y + w")
    z = b.n("op:sum", "z")
    bw = b.n("special:backward", "backward")
    b.e(x, y), b.e(x, w), b.e(y, s), b.e(w, s, "other"), b.e(s, z), b.e(z, bw, "tensor")
    return b


@example(13)
def _():
    b = B("inplace_and_versions", "In-place ops and versions",
          "Row 1: a.mul_(2) on a leaf that requires grad is refused (its error is on the "
          "node). Row 2: inside a no_grad frame, b[:] = 10. on such a leaf is allowed. "
          "Row 3: s = sigmoid(c) saves its output for backward; s.mul_(2) changes it in place "
          "and bumps its _version, so backward refuses with PyTorch's message. Row 4: "
          "e = d + 1 saves nothing, so changing e in place is fine: d.grad = 2. "
          "`gradlab run` exits with 1 here because nodes failed, on purpose.")
    a = b.n("source:tensor", "a", rg=True, row=0, data=[1.0, 2.0, 3.0])
    am = b.n("op:mul_", "a.mul_(2)", row=0, other=2)
    b.e(a, am)
    bb = b.n("source:tensor", "b", rg=True, row=1, data=[1.0, 2.0, 3.0])
    bset = b.n("op:index_put_", "b[:] = 10.", row=1, indices="[:]", values=10.0)
    b.e(bb, bset)
    b.frame("no_grad", [bset])
    c = b.n("source:tensor", "c", rg=True, row=2, data=[1.0, 2.0, 3.0])
    s = b.n("op:sigmoid", "s = sigmoid(c)", row=2)
    sm = b.n("op:mul_", "s.mul_(2)", row=2, other=2)
    ss = b.n("op:sum", "s.sum()", row=2)
    bw = b.n("special:backward", "backward (fails)", row=2)
    b.e(c, s), b.e(s, sm), b.e(sm, ss), b.e(ss, bw, "tensor")
    d = b.n("source:tensor", "d", rg=True, row=3, data=[1.0, 2.0, 3.0])
    e = b.n("op:add", "e = d + 1", row=3, other=1)
    em = b.n("op:mul_", "e.mul_(2)", row=3, other=2)
    es = b.n("op:sum", "e.sum()", row=3)
    bw2 = b.n("special:backward", "backward (works)", row=3)
    b.e(d, e), b.e(e, em), b.e(em, es), b.e(es, bw2, "tensor")
    return b


@example(14)
def _():
    b = B("view_and_contiguity", "view and contiguity",
          "x = arange(12.).view(3, 4) shares memory with arange's result. t = x.transpose(0, 1) "
          "is a view too, with swapped strides: it is not contiguous. t.view(12) needs "
          "contiguous memory and fails with PyTorch's message (use reshape, or contiguous "
          "first). t.contiguous() copies into a fresh row-major layout (a clone: PyTorch records it as "
          "CloneBackward0 too), and then .view(12) works.")
    r = b.n("source:arange", "arange(12.)", start=0.0, end=12.0)
    x = b.n("op:view", "x = view(3, 4)", shape=(3, 4))
    t = b.n("op:transpose", "t = x.transpose(0, 1)", dim0=0, dim1=1)
    bad = b.n("op:view", "t.view(12) (fails)", row=0, shape=(12,))
    cont = b.n("op:contiguous", "t.contiguous()", row=1)
    ok = b.n("op:view", "t.contiguous().view(12)", row=1, shape=(12,))
    b.e(r, x), b.e(x, t), b.e(t, bad), b.e(t, cont), b.e(cont, ok)
    return b


@example(15)
def _():
    b = B("shapes_of_products", "Shapes of products",
          "Matrix products and their shapes (see them on the edges): mm (3,4)x(4,5) -> (3,5); "
          "bmm (3,4,5)x(3,5,8) -> (3,4,8), a batch of 3 products; matmul broadcasts the "
          "batch: (3,4,5)x(5,4) -> (3,4,4) and (5,4)x(3,4,5) -> (3,5,5); dot of two vectors "
          "is a scalar; mv (3,4)x(4,) -> (3,). The inputs are random (randn).")
    A = b.n("source:randn", "A (3,4)", row=0, size=(3, 4))
    B_ = b.n("source:randn", "B (4,5)", row=1, size=(4, 5))
    P = b.n("source:randn", "P (3,4,5)", row=2, size=(3, 4, 5))
    Q = b.n("source:randn", "Q (3,5,8)", row=3, size=(3, 5, 8))
    R = b.n("source:randn", "R (5,4)", row=4, size=(5, 4))
    v = b.n("source:randn", "v (4,)", row=5, size=(4,))
    mm = b.n("op:mm", "mm(A, B)", row=0)
    bmm = b.n("op:bmm", "bmm(P, Q)", row=2)
    m1 = b.n("op:matmul", "P @ R", row=3)
    m2 = b.n("op:matmul", "R @ P", row=4)
    dot = b.n("op:dot", "dot(v, v)", row=5)
    mv = b.n("op:mv", "mv(A, v)", row=1)
    b.e(A, mm), b.e(B_, mm, "mat2"), b.e(P, bmm), b.e(Q, bmm, "mat2")
    b.e(P, m1), b.e(R, m1, "other"), b.e(R, m2), b.e(P, m2, "other")
    b.e(v, dot), b.e(v, dot, "tensor"), b.e(A, mv), b.e(v, mv, "vec")
    return b


@example(16)
def _():
    b = B("cat_and_stack", "cat and stack",
          "cat joins along an existing dimension: two (3,5,4) tensors give (6,5,4), (3,10,4) "
          "or (3,5,8) for dim 0, 1, 2. stack adds a new dimension: two (2,3) tensors give "
          "(2,2,3), (2,2,3) and (2,3,2) for dim 0, 1, 2. X is zeros and Y ones, so you can "
          "see where each part went.")
    X = b.n("source:zeros", "X", row=0, size=(3, 5, 4))
    Y = b.n("source:ones", "Y", row=1, size=(3, 5, 4))
    for d in range(3):
        c = b.n("op:cat", f"cat dim={d}", row=d, dim=d)
        b.e(X, c, "tensors"), b.e(Y, c, "tensors")
    A = b.n("source:tensor", "A", row=3, data=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    Bm = b.n("source:tensor", "B", row=4, data=[[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]])
    for d in range(3):
        s = b.n("op:stack", f"stack dim={d}", row=3 + d, dim=d)
        b.e(A, s, "tensors"), b.e(Bm, s, "tensors")
    return b


@example(17)
def _():
    b = B("indexing", "Indexing",
          "data is 3x4 (arange(12.).view(3, 4)). Each node indexes it the way its label says: "
          "a row, a column, a range, with steps, pairs of integer lists (data[[0, 1], [1, 2]] "
          "picks (0,1) and (1,2)), broadcast integer lists (data[[[0], [1]], [1, 2]] gives a "
          "2x2 block), a boolean mask from a condition on the data itself (the rows whose "
          "third column is > 5), and None/... for new and remaining dimensions.")
    r = b.n("source:arange", "arange(12.)", start=0.0, end=12.0)
    data = b.n("op:view", "data", shape=(3, 4))
    b.e(r, data)
    exprs = ["[1]", "[:, 2]", "[0:2, 1:3]", "[::2, ::3]", "[[0, 1], [1, 2]]",
             "[[[0], [1]], [1, 2]]", "[data[:, 2] > 5]", "[None, ..., 0]", "[-1, -1]"]
    for i, ex in enumerate(exprs):
        n = b.n("op:index", f"data{ex}", row=i, index=ex)
        b.e(data, n)
    return b


@example(18)
def _():
    b = B("reductions_and_norms", "Reductions and norms",
          "A is 5x4. sum(axis=1, keepdims=True) is 5x1, so A / sum_A broadcasts it over the "
          "columns: each row now sums to 1. cumsum(axis=0) runs down the columns, mean(dim=0) "
          "averages them. Norms: the L2 norm of [3, -4] is 5, its L1 norm 7; the Frobenius "
          "norm of ones(4, 9) is sqrt(36) = 6.")
    r = b.n("source:arange", "arange(20.)", row=0, start=0.0, end=20.0)
    A = b.n("op:view", "A", row=0, shape=(5, 4))
    sA = b.n("op:sum", "sum_A", row=0, dim=1, keepdim=True)
    div = b.n("op:div", "A / sum_A", row=0)
    cs = b.n("op:cumsum", "cumsum(axis=0)", row=1, dim=0)
    mn = b.n("op:mean", "mean(dim=0)", row=2, dim=0)
    b.e(r, A), b.e(A, sA), b.e(A, div), b.e(sA, div, "other"), b.e(A, cs), b.e(A, mn)
    u = b.n("source:tensor", "u", row=3, data=[3.0, -4.0])
    l2 = b.n("op:linalg_vector_norm", "norm(u)", row=3)
    l1 = b.n("op:linalg_vector_norm", "L1 norm(u)", row=4, ord=1)
    o = b.n("source:ones", "ones(4, 9)", row=5, size=(4, 9))
    fro = b.n("op:linalg_vector_norm", "Frobenius norm", row=5)
    b.e(u, l2), b.e(u, l1), b.e(o, fro)
    return b


@example(19)
def _():
    b = B("dtypes_and_creation", "dtypes and creation",
          "tensor(10) is int64 (a Python int); a list of floats is float32; a float64 NumPy "
          "array stays float64; IntTensor([2.5, 3.3]) truncates to int32 [2, 3]; full with an "
          "int fill is int64; .double() makes float64; arange(0, 10, 2) counts by 2; "
          "linspace(0, 11, 10) takes 10 evenly spaced values. Random sources are repeatable "
          "in the app with the seed attribute (manual_seed in code).")
    b.n("source:tensor", "tensor(10)", row=0, data=10)
    b.n("source:tensor", "tensor([1., 2.])", row=1, data=[1.0, 2.0])
    b.n("source:tensor", "float64 ndarray", row=2, data=np.array([0.5, 1.5, 2.5]))
    b.n("source:tensor", "IntTensor([2.5, 3.3])", row=3, data=[2.5, 3.3], dtype="int32")
    f = b.n("source:full", "full((2, 2), 7)", row=4, size=(2, 2), fill_value=7)
    d = b.n("op:to_copy", ".double()", row=4, dtype="float64")
    b.e(f, d)
    b.n("source:arange", "arange(0, 10, 2)", row=5, start=0, end=10, step=2)
    b.n("source:linspace", "linspace(0, 11, 10)", row=6, start=0.0, end=11.0, steps=10)
    return b


@example(20)
def _():
    b = B("numpy_bridge", "The numpy bridge",
          "A tensor made from a NumPy array with tensor() is a copy (from_numpy would share "
          "memory on the CPU). numpy() on a tensor that requires grad is refused with PyTorch's "
          "message, so the detach node cuts it from the graph first: detach().numpy() works "
          "(the tensor viewer shows those values). item() turns the one-element sum into a "
          "Python number.")
    a = b.n("source:tensor", "tensor(ndarray)", rg=True,
            data=np.arange(6, dtype=np.float64).reshape(2, 3))
    y = b.n("op:mul", "y = t * 2", other=2)
    d = b.n("special:detach", "y.detach()", row=0)
    s = b.n("op:sum", "y.sum() (item)", row=1)
    b.e(a, y), b.e(y, d), b.e(y, s)
    return b


@example(21)
def _():
    b = B("devices", "Devices",
          "A (200, 100) @ (100, 200) product on the CPU. Switch the device in the toolbar to "
          "cuda (where a GPU is present) and run again: sources are made there and the timing "
          "panel shows the GPU time, measured with CUDA events. Try bigger shapes, like "
          "(10000, 1000) @ (1000, 2000), to see the GPU pull ahead. A source with its own "
          "device set to another device than its partner fails with PyTorch's 'Expected all "
          "tensors to be on the same device'.")
    A = b.n("source:randn", "A", row=0, size=(200, 100))
    Bm = b.n("source:randn", "B", row=1, size=(100, 200))
    p = b.n("op:matmul", "A @ B")
    b.e(A, p), b.e(Bm, p, "other")
    return b


@example(22)
def _():
    b = B("small_network", "A small network",
          "Two Linear layers with a ReLU between them learn y = x1 - 2 x2 + 0.5 from 32 "
          "random points: forward, MSE loss, backward, then the SGD step (lr 0.05, momentum "
          "0.9). Press Train for the loop zero_grad, forward, loss, backward, step and watch "
          "the loss fall in the plot. The layers' weight and bias are leaf tensors kept "
          "between runs; saving the file keeps the graph, and the layers' seed makes their "
          "starting values repeatable.")
    X = b.n("source:randn", "X", row=0, size=(32, 2))
    W = b.n("source:tensor", "true w", row=1, data=[[1.0], [-2.0]])
    Y0 = b.n("op:matmul", "X @ w", row=1)
    Y = b.n("op:add", "y", row=1, other=0.5)
    l1 = b.n("special:linear", "fc1", row=0, in_features=2, out_features=8, seed=1)
    act = b.n("op:relu", "relu", row=0)
    l2 = b.n("special:linear", "fc2", row=0, in_features=8, out_features=1, seed=2)
    loss = b.n("op:mse_loss", "loss", row=0)
    bw = b.n("special:backward", "backward", row=0)
    st = b.n("special:optim_step", "SGD step", row=1, lr=0.05, momentum=0.9)
    b.e(X, Y0), b.e(W, Y0, "other"), b.e(Y0, Y)
    b.e(X, l1), b.e(l1, act), b.e(act, l2), b.e(l2, loss), b.e(Y, loss, "target")
    b.e(loss, bw, "tensor"), b.e(loss, st, "loss")
    return b


@example(23)
def _():
    b = B("conv_block", "A convolutional block",
          "LeNet's first blocks on a (1, 1, 32, 32) image: Conv2d(1, 6, 5) -> (1, 6, 28, 28), "
          "relu, max_pool2d(2) -> (1, 6, 14, 14), Conv2d(6, 16, 5) -> (1, 16, 10, 10), relu, "
          "max_pool2d(2) -> (1, 16, 5, 5). The shapes are on the edges. The sum at the end "
          "gives backward a scalar, so the layers' weights get gradients.")
    x = b.n("source:randn", "image", size=(1, 1, 32, 32))
    c1 = b.n("special:conv2d", "conv1", in_channels=1, out_channels=6, kernel_size=(5, 5),
             seed=1)
    r1 = b.n("op:relu", "relu1")
    p1 = b.n("op:max_pool2d", "pool1", kernel_size=(2, 2))
    c2 = b.n("special:conv2d", "conv2", in_channels=6, out_channels=16, kernel_size=(5, 5),
             seed=2)
    r2 = b.n("op:relu", "relu2")
    p2 = b.n("op:max_pool2d", "pool2", kernel_size=(2, 2))
    s = b.n("op:sum", "sum")
    bw = b.n("special:backward", "backward")
    for u, v in ((x, c1), (c1, r1), (r1, p1), (p1, c2), (c2, r2), (r2, p2), (p2, s)):
        b.e(u, v)
    b.e(s, bw, "tensor")
    return b


@example(24)
def _():
    b = B("tangent_line", "Tangent line",
          "f(x) = 3x² - 4x. At x = 1 autograd gives f'(1) = 6x - 4 = 2 (x.grad), and "
          "f(1) = -1, so the tangent there is y = 2x - 3. The lower rows evaluate f and the "
          "tangent on 31 points of [0, 3] for a plot: they touch at x = 1.")
    x = b.n("source:tensor", "x", rg=True, row=0, data=1.0)
    x2 = b.n("op:pow", "x**2", row=0, exponent=2)
    t3 = b.n("op:mul", "3x²", row=0, other=3)
    t4 = b.n("op:mul", "4x", row=1, other=4)
    f = b.n("op:sub", "f(x)", row=0)
    bw = b.n("special:backward", "backward", row=0)
    b.e(x, x2), b.e(x2, t3), b.e(x, t4), b.e(t3, f), b.e(t4, f, "other"), b.e(f, bw, "tensor")
    xs = b.n("source:linspace", "xs", row=2, start=0.0, end=3.0, steps=31)
    xs2 = b.n("op:pow", "xs**2", row=2, exponent=2)
    f3 = b.n("op:mul", "3xs²", row=2, other=3)
    f4 = b.n("op:mul", "4xs", row=3, other=4)
    fx = b.n("op:sub", "f(xs)", row=2)
    tg = b.n("op:mul", "2xs", row=4, other=2)
    tl = b.n("op:sub", "tangent 2xs - 3", row=4, other=3)
    b.e(xs, xs2), b.e(xs2, f3), b.e(xs, f4), b.e(f3, fx), b.e(f4, fx, "other")
    b.e(xs, tg), b.e(tg, tl)
    return b


def main(argv: list[str]) -> None:
    nums = [int(a) for a in argv] or sorted(EXAMPLES)
    for num in nums:
        try:
            path = EXAMPLES[num]().save(num)
            print("wrote", path)
        except Exception as e:  # keep going: report every example that cannot be built yet
            print(f"example {num}: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
