"""Runs, zero-grad, training and the PyTorch export off the GUI thread, with progress and
cancel.

The executor never reads the document's graph: it follows a private *mirror* that the GUI
thread brings up to date (``GraphMirror.sync``) only while no job is in flight. Edits made
during a run change the document at once (the canvas shows them) and are recorded; they reach
the mirror, and so the executor, before the next job. So the worker thread and the GUI thread
never touch the same graph, and the executor is only used by one thread at a time.

The executor keeps random values following the graph (``redraw_on_edit=False``): a random
source shows the numbers ``gradlab run`` prints for the same file, and an undone edit shows
its old numbers again. An export runs the mirror on a fresh executor (as ``gradlab export``
does) and writes the script atomically: a failed export leaves no half-written file.

    runner = Runner(document.graph)
    runner.finished.connect(on_outcome)       # Outcome, in the GUI thread
    runner.start(Job("run", backward=True, device="cpu"))
    runner.start(Job("export", path="/x/graph.py", source="graph.gradlab"))  # Outcome.written
    runner.cancel()                           # stops between nodes / steps
    runner.checks()                           # executor.check() on the synced mirror (idle only)
"""
from __future__ import annotations

import copy
import gc
import sys
import threading
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from engine.graph.execute import Executor
from engine.graph.export import (ExportCancelled, ExportError, export_with_report,
                                 write_text_atomic)
from engine.graph.model import Event, Frame, Graph, GraphError, Node
from engine.graph.result import RunResult
from engine.graph.train import TrainError, train

PROGRESS_EVERY_S = 0.1  # at most ~10 progress signals a second
RESULTS_EVERY_S = 0.5  # intermediate results while training, for a live canvas
# The engine runs Python on the worker thread; each call the GUI thread makes into Python
# (every paint of a canvas item) waits for the GIL up to this long, so keep it short.
GIL_SWITCH_S = 0.0002
_STUCK: list = []  # threads still busy at shutdown: kept alive so Qt does not abort
GC_EVERY_MS = 1000


class _GcInGuiThread:
    """While any job runs, Python's cyclic garbage collector runs only in the GUI thread.

    An automatic collection happens in whichever thread allocates; in the worker it would
    finalize Qt objects (closed windows, pixmaps, timers) off the GUI thread, which Qt does not
    allow and which can deadlock against the GUI thread. So automatic collection is off while
    jobs run, and the GUI thread collects the young generations every GC_EVERY_MS instead.
    """

    busy = 0
    was_enabled = True

    @classmethod
    def job_started(cls) -> None:
        if cls.busy == 0:
            cls.was_enabled = gc.isenabled()
            gc.disable()
        cls.busy += 1

    @classmethod
    def job_ended(cls) -> None:
        cls.busy = max(0, cls.busy - 1)
        if cls.busy == 0 and cls.was_enabled:
            gc.enable()

    @staticmethod
    def collect() -> None:
        gc.collect(1)


def copy_graph(src: Graph) -> Graph:
    """An independent copy of ``src`` (same ids, order and content; no listeners)."""
    g = Graph()
    for n in sorted(src.nodes.values(), key=lambda n: n.seq):
        g.nodes[n.id] = Node(n.id, n.kind, n.label, copy.deepcopy(n.attrs), tuple(n.pos),
                             n.requires_grad, n.retain_grad, n.seq)
    g.edges = dict(src.edges)  # Edge is frozen
    g.frames = {f.id: Frame(f.id, f.label, tuple(f.rect), f.no_grad, list(f.members))
                for f in src.frames.values()}
    g.meta = copy.deepcopy(src.meta)
    g._seq = src._seq
    return g


class GraphMirror:
    """A private copy of a graph, updated from the source's recorded events on ``sync()``."""

    def __init__(self, source: Graph) -> None:
        self.source = source
        self.graph = Graph()
        self._events: list[Event] = []
        self._full = True
        self._unsub = source.subscribe(self._record)

    def close(self) -> None:
        self._unsub()

    @property
    def dirty(self) -> bool:
        return self._full or bool(self._events)

    def _record(self, ev: Event) -> None:
        if ev.type == "reset":
            self._full, self._events = True, []
        elif ev.type not in ("node_moved", "meta_changed") and not self._full:
            self._events.append(ev)

    def sync(self) -> bool:
        """Bring the copy up to date (call only while nothing reads it); True if it changed."""
        if not self.dirty:
            return False
        events, self._events = self._events, []
        if not self._full:
            try:
                for ev in events:
                    self._apply(ev)
            except (GraphError, KeyError, ValueError):
                self._full = True  # should not happen; a full copy is always right
        if self._full:
            self._full = False
            self.graph.replace_with(copy_graph(self.source))
        return True

    def _apply(self, ev: Event) -> None:
        src, dst, d = self.source, self.graph, ev.data
        if ev.type in ("node_added", "node_removed", "node_changed"):
            nid = d["node"].id
            node, mine = src.nodes.get(nid), dst.nodes.get(nid)
            if node is None and mine is not None:
                dst.remove_node(nid)
            elif node is not None and mine is None:
                dst.restore_node(node.clone_state(), seq=node.seq)
            elif node is not None and ev.type == "node_changed":
                fld = d.get("field")
                if fld == "attrs":
                    name = d["name"]
                    if name in node.attrs:
                        dst.set_attr(nid, name, copy.deepcopy(node.attrs[name]))
                elif fld in ("requires_grad", "retain_grad"):
                    dst.set_flag(nid, fld, getattr(node, fld))
                elif fld == "label":
                    dst.set_label(nid, node.label)
        elif ev.type in ("edge_added", "edge_removed"):
            e = d["edge"]
            if e.id in src.edges and e.id not in dst.edges:
                dst.restore_edge(src.edges[e.id])
            elif e.id not in src.edges and e.id in dst.edges:
                dst.remove_edge(e.id)
        elif ev.type.startswith("frame_"):
            fid = d["frame"].id
            f = src.frames.get(fid)
            if f is None:
                if fid in dst.frames:
                    dst.remove_frame(fid)
            elif fid not in dst.frames:
                dst.add_frame(f.label, f.rect, f.no_grad, f.members, id=fid)
            else:
                dst.update_frame(fid, label=f.label, rect=f.rect, no_grad=f.no_grad,
                                 members=[m for m in f.members if m in dst.nodes])


@dataclass
class Job:
    """What to do: 'run' (forward, optionally backward and step), 'zero_grad', 'train' or
    'export' (the PyTorch script of the graph written to ``path``; ``source`` names the graph
    in its docstring)."""

    kind: str = "run"
    backward: bool = False
    step: bool = False
    device: str = "cpu"
    steps: int = 1
    nodes: list[str] | None = None
    generation: int = 0  # the document it was started for (stale outcomes are dropped)
    path: str | None = None  # export: where the script goes
    source: str = ""  # export: the graph's file name or title


@dataclass
class Outcome:
    """How a job ended: its last RunResult, training losses, cancel and error."""

    job: Job
    result: RunResult | None = None
    losses: list[float] = field(default_factory=list)
    cancelled: bool = False
    error: str | None = None
    error_node: str | None = None
    seconds: float = 0.0
    written: str | None = None  # export: the file written


class _Worker(QObject):
    """Lives in the worker thread; executes one Job at a time."""

    progress = Signal(int, int)  # done, total (nodes of a run, or steps of training)
    losses = Signal(object)  # [(step, loss), ...] since the last emit
    partial = Signal(object)  # a RunResult while training
    done = Signal(object)  # Outcome

    def __init__(self, executor: Executor) -> None:
        super().__init__()
        self.executor = executor
        self.cancel_flag = threading.Event()

    @Slot(object)
    def execute(self, job: Job) -> None:
        t0 = time.perf_counter()
        out = Outcome(job)
        last = [0.0, 0.0]  # last progress emit, last partial emit
        pending: list[tuple[int, float]] = []

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if done >= total or now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                self.progress.emit(done, total)
                if pending:
                    self.losses.emit(list(pending))
                    pending.clear()

        def step_done(step: int, loss: float) -> None:
            pending.append((step, float(loss)))
            progress(step, job.steps)
            now = time.perf_counter()
            if now - last[1] >= RESULTS_EVERY_S and self.executor.last_result is not None:
                last[1] = now
                self.partial.emit(self.executor.last_result)

        cancel = self.cancel_flag.is_set
        ex = self.executor
        if job.kind == "export":
            self._export(job, out, progress, cancel)
            out.seconds = time.perf_counter() - t0
            self.done.emit(out)
            return
        try:
            if job.kind == "zero_grad":
                ex.zero_grad()
                out.result = ex.run(backward=False, device=job.device)
            elif job.kind == "train":
                out.losses = train(ex, job.steps, device=job.device, progress=step_done,
                                   cancel=cancel)
                out.cancelled = len(out.losses) < job.steps
                out.result = ex.last_result
            else:
                out.result = ex.run(backward=job.backward, device=job.device, nodes=job.nodes,
                                    progress=progress, cancel=cancel, step=job.step)
                out.cancelled = any(t == "run cancelled" for _l, _n, t in out.result.log)
        except TrainError as e:
            out.error, out.error_node, out.losses = str(e), e.node_id, list(e.losses)
            out.result = ex.last_result
        except Exception as e:  # noqa: BLE001 - reported in the log, never a crash
            out.error = f"{type(e).__name__}: {e}"
            out.result = ex.last_result
        if pending:
            self.losses.emit(list(pending))
        out.seconds = time.perf_counter() - t0
        self.done.emit(out)

    def _export(self, job: Job, out: Outcome, progress, cancel) -> None:
        """Write the script of the (synced) mirror: a fresh run, as ``gradlab export``."""
        try:
            text, _report = export_with_report(self.executor.graph, job.source,
                                               progress=progress, cancel=cancel)
            if cancel():
                raise ExportCancelled("export cancelled")
        except ExportCancelled:
            out.cancelled = True
            return
        except ExportError as e:
            out.error = str(e)
            return
        except Exception as e:  # noqa: BLE001 - an engine bug: shown, never a crash
            out.error = f"{type(e).__name__}: {e}"
            return
        try:
            out.written = write_text_atomic(job.path, text)
        except OSError as e:
            out.error = f"cannot write {job.path}: {e.strerror or e}"


class Runner(QObject):
    """Owns the worker thread, the executor and the mirror; one job at a time."""

    started = Signal(object)  # Job
    progress = Signal(int, int)
    losses = Signal(object)  # [(step, loss), ...]
    partial = Signal(object)  # RunResult while training
    finished = Signal(object)  # Outcome
    _submit = Signal(object)

    def __init__(self, graph: Graph, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if sys.getswitchinterval() > GIL_SWITCH_S:
            sys.setswitchinterval(GIL_SWITCH_S)
        self.mirror = GraphMirror(graph)
        self.executor = Executor(self.mirror.graph, redraw_on_edit=False)
        self._thread = QThread()
        self._thread.setObjectName("gradlab-worker")
        self._worker = _Worker(self.executor)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.execute)
        self._worker.progress.connect(self.progress)
        self._worker.losses.connect(self.losses)
        self._worker.partial.connect(self.partial)
        self._worker.done.connect(self._on_done)
        self._job: Job | None = None
        self._gc_held = False
        self._gc_timer = QTimer(self)
        self._gc_timer.setInterval(GC_EVERY_MS)
        self._gc_timer.timeout.connect(_GcInGuiThread.collect)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def job(self) -> Job | None:
        return self._job

    def start(self, job: Job) -> bool:
        """Start a job unless one is in flight (returns False then)."""
        if self._job is not None:
            return False
        self.mirror.sync()
        if job.kind == "export":  # the title and note go into the script (meta is not mirrored)
            self.mirror.graph.meta = copy.deepcopy(self.mirror.source.meta)
        self._worker.cancel_flag.clear()
        if not self._gc_held:
            _GcInGuiThread.job_started()
            self._gc_held = True
        self._gc_timer.start()
        self._job = job
        self.started.emit(job)
        self._submit.emit(job)
        return True

    def cancel(self) -> None:
        """Ask the job in flight to stop at the next node or step."""
        if self._job is not None:
            self._worker.cancel_flag.set()

    def checks(self) -> dict[str, str] | None:
        """The executor's pre-run checks on the current graph, or None while a job runs."""
        if self._job is not None:
            return None
        self.mirror.sync()
        try:
            return self.executor.check()
        except Exception:  # noqa: BLE001 - a check must never take the window down
            return {}

    def reset(self) -> bool:
        """Forget all values (parameters are drawn again); False while a job runs."""
        if self._job is not None:
            return False
        self.mirror.sync()
        self.executor.reset()
        return True

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the job in flight ends (tests, screenshots, shutdown)."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        deadline = QDeadlineTimer(timeout_ms)
        while self._job is not None and not deadline.hasExpired():
            QCoreApplication.processEvents()
            if self._job is not None:
                time.sleep(0.002)
        return self._job is None

    def shutdown(self) -> None:
        """Cancel, wait for the worker and stop its thread."""
        self.cancel()
        self._thread.quit()
        if not self._thread.wait(10_000):  # a single long op: never destroy a running thread
            _STUCK.append(self._thread)
        self._release_gc()
        self.executor.close()
        self.mirror.close()

    def _on_done(self, out: Outcome) -> None:
        self._job = None
        self._release_gc()
        self.finished.emit(out)

    def _release_gc(self) -> None:
        self._gc_timer.stop()
        if self._gc_held:
            self._gc_held = False
            _GcInGuiThread.job_ended()
