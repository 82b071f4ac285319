"""Running the graph from the window: the toolbar's run actions, device selector, training step
count, auto-run, pre-run checks after every edit, progress and cancel in the status bar, and
the GPU memory readout. The work happens on the worker thread (app.worker.Runner), and so does
the PyTorch export (``export``): one job at a time, a job asked for meanwhile waits its turn."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QProgressBar, QSpinBox, QWidget)

import engine.cuda
from engine.graph.model import Event
from engine.graph.result import RunResult

from .worker import Job, Outcome, Runner

if TYPE_CHECKING:
    from .main_window import MainWindow

CHECK_DELAY_MS = 120  # edits within this time are checked (and auto-run) together
MEMORY_EVERY_MS = 1000


def device_choices() -> list[tuple[str, str | None, str]]:
    """(text, device or None if unusable, tooltip) for the device selector."""
    out: list[tuple[str, str | None, str]] = [("CPU", "cpu", "run on the CPU (NumPy)")]
    if engine.cuda.is_available():
        n = max(1, engine.cuda.device_count())
        for i in range(n):
            out.append((f"CUDA:{i}" if n > 1 else "CUDA", f"cuda:{i}",
                        f"run on GPU {i} (CuPy)"))
    else:
        out.append(("CUDA", None, f"CUDA is not available: "
                                  f"{engine.cuda.unavailable_reason() or 'no GPU'}"))
    return out


class RunController(QObject):
    """Starts jobs on the Runner and shows what comes back (see the module docstring)."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.w = window
        self.doc = window.document
        self.runner = Runner(self.doc.graph, self)
        self.last: RunResult | None = None
        self.generation = 0  # bumped when another document is loaded
        self.auto_run = False
        self.has_optimizer = False
        self._pending_checks = False
        self._shut = False
        self._pending_run: Job | None = None
        self._pending_export: Job | None = None
        self._progress_total = 0
        self._change_timer = QTimer(self)
        self._change_timer.setSingleShot(True)
        self._change_timer.setInterval(CHECK_DELAY_MS)
        self._change_timer.timeout.connect(self._after_change)
        self._memory_timer = QTimer(self)
        self._memory_timer.setInterval(MEMORY_EVERY_MS)
        self._memory_timer.timeout.connect(self._show_memory)
        self._unsub = self.doc.graph.subscribe(self._on_graph_event)
        self.doc.loaded.connect(self.document_reset)
        r = self.runner
        r.started.connect(self._on_started)
        r.progress.connect(self._on_progress)
        r.losses.connect(self._on_losses)
        r.partial.connect(self._on_partial)
        r.finished.connect(self._on_finished)
        self._build_status()

    # ---- widgets --------------------------------------------------------------------------
    def device_widget(self) -> QWidget:
        """The device selector for the toolbar (CUDA greyed out, with the reason, if absent)."""
        box = QWidget()
        lay = QHBoxLayout(box)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.addWidget(QLabel("Device"))
        self.device_box = QComboBox()
        self.device_box.setObjectName("device_selector")
        model: QStandardItemModel = self.device_box.model()
        for i, (text, dev, tip) in enumerate(device_choices()):
            self.device_box.addItem(text, dev)
            self.device_box.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
            if dev is None:
                model.item(i).setEnabled(False)
        self.device_box.setToolTip("where the graph runs; " + device_choices()[-1][2])
        self.device_box.activated.connect(self._device_picked)
        lay.addWidget(self.device_box)
        return box

    def steps_widget(self) -> QWidget:
        self.steps_box = QSpinBox()
        self.steps_box.setObjectName("train_steps")
        self.steps_box.setRange(1, 1_000_000)
        self.steps_box.setValue(self.w.settings.train_steps)
        self.steps_box.setSuffix(" steps")
        self.steps_box.setToolTip("how many steps Train runs")
        self.steps_box.valueChanged.connect(
            lambda n: setattr(self.w.settings, "train_steps", n))
        return self.steps_box

    def _build_status(self) -> None:
        sb = self.w.statusBar()
        self.state_label = QLabel("Ready")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        self.memory_label = QLabel()
        self.memory_label.hide()
        sb.addPermanentWidget(self.state_label)
        sb.addPermanentWidget(self.progress_bar)
        sb.addPermanentWidget(self.memory_label)

    # ---- device ---------------------------------------------------------------------------
    @property
    def device(self) -> str:
        box = getattr(self, "device_box", None)
        return (box.currentData() if box is not None else None) or "cpu"

    def set_device(self, device: str) -> bool:
        """Pick a device by name ('cpu', 'cuda', 'cuda:0'); False if it is not usable here."""
        box = self.device_box
        want = "cuda:0" if device == "cuda" else device
        i = box.findData(want)
        if i < 0:
            return False
        box.setCurrentIndex(i)
        self._device_picked(i)
        return True

    def _device_picked(self, _i: int) -> None:
        dev = self.device
        self.w.settings.device = dev
        on_gpu = dev.startswith("cuda")
        self.memory_label.setVisible(on_gpu)
        if on_gpu:
            self._memory_timer.start()
            self._show_memory()
        else:
            self._memory_timer.stop()
        if self.last is not None:  # show the values on the new device
            self.start(Job("run", backward=self.last.backward_ran))

    def _show_memory(self) -> None:
        mb = engine.cuda.memory_allocated() / 2**20
        self.memory_label.setText(f"GPU memory {mb:,.1f} MB")

    # ---- actions --------------------------------------------------------------------------
    def run_forward(self) -> bool:
        return self.start(Job("run"))

    def backward(self) -> bool:
        """Backward from the loss; the forward it needs is brought up to date first."""
        return self.start(Job("run", backward=True))

    def run_and_backward(self) -> bool:
        return self.start(Job("run", backward=True))

    def zero_grad(self) -> bool:
        return self.start(Job("zero_grad"))

    def step(self) -> bool:
        return self.start(Job("train", steps=1))

    def train(self, steps: int | None = None) -> bool:
        n = int(steps if steps is not None else self.steps_box.value())
        return self.start(Job("train", steps=n))

    def cancel(self) -> None:
        if self.runner.busy:
            self.runner.cancel()
            self.state_label.setText("Cancelling…")

    def set_auto_run(self, on: bool) -> None:
        self.auto_run = bool(on)
        self.w.settings.auto_run = self.auto_run
        if on and not self.runner.busy:
            self.run_forward()

    def reset_values(self) -> None:
        """Forget values and draw random sources and parameters again, then run forward."""
        if self.runner.reset():
            self.last = None
            self.w.show_outcome(None)
            self.run_forward()

    def export(self, path: str, source: str = "") -> bool:
        """Write the PyTorch script of the graph to ``path`` on the worker (the window stays
        live; FileController.export_finished says how it went). While a run is in flight it
        waits for it; False if an export is already in flight or waiting."""
        if self.exporting:
            return False
        job = Job("export", path=str(path), source=source, generation=self.generation)
        if self.runner.busy:
            self._pending_export = job
            self.state_label.setText("Export waits for the run to finish…")
            self.w.update_actions()
            return True
        return self.runner.start(job)

    @property
    def exporting(self) -> bool:
        """An export is in flight or waiting to start."""
        job = self.runner.job
        return self._pending_export is not None or (job is not None and job.kind == "export")

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def start(self, job: Job) -> bool:
        """Start ``job`` on the current device; while a job runs, remember it for later."""
        job.device, job.generation = self.device, self.generation
        if self.runner.busy:
            self._pending_run = job
            return False
        if job.kind == "train":
            self.w.dock("loss").raise_()
        return self.runner.start(job)

    def wait(self, timeout_ms: int = 60_000) -> bool:
        """Block (processing events) until nothing runs or waits to run."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        deadline = QDeadlineTimer(timeout_ms)
        while not deadline.hasExpired() and (self.runner.busy or self._pending_run is not None
                                             or self._pending_export is not None
                                             or self._change_timer.isActive()):
            QCoreApplication.processEvents()
            time.sleep(0.002)
        return not self.runner.busy

    # ---- following the document -------------------------------------------------------------
    def _on_graph_event(self, ev: Event) -> None:
        if ev.type in ("node_added", "node_removed", "reset"):
            self.has_optimizer = any(n.kind == "special:optim_step"
                                     for n in self.doc.graph.nodes.values())
        if ev.type in ("node_moved", "meta_changed", "reset"):
            return
        self._change_timer.start()

    def document_reset(self) -> None:
        """Another document was loaded: drop results and anything running for the old one."""
        self.runner.cancel()
        self.generation += 1
        self.last = None
        self._pending_run = None
        if self._pending_export is not None:  # it was asked for the graph now closed
            self._pending_export = None
            self.w.status("Export cancelled: another graph was opened")
        self.w.loss_plot.clear()
        self.has_optimizer = any(n.kind == "special:optim_step"
                                 for n in self.doc.graph.nodes.values())
        self._after_change(run=True)

    def _after_change(self, run: bool = False) -> None:
        checks = self.runner.checks()
        if checks is None:
            self._pending_checks = True
        else:
            self._pending_checks = False
            self.w.canvas.show_checks(checks)
        if (self.auto_run or run) and self.doc.graph.nodes:
            self.start(Job("run", backward=bool(self.auto_run and self.last is not None
                                                and self.last.backward_ran)))
        self.w.update_actions()

    # ---- from the worker --------------------------------------------------------------------
    def _on_started(self, job: Job) -> None:
        what = {"train": f"Training {job.steps} step{'s' if job.steps != 1 else ''}",
                "zero_grad": "Zeroing gradients",
                "export": "Exporting the PyTorch script (running the graph)"}.get(
            job.kind, "Running forward and backward" if job.backward else "Running forward")
        self.state_label.setText(f"{what} on {job.device}…" if job.kind != "export"
                                 else f"{what}…")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.w.update_actions()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _current(self) -> bool:
        """Whether the job in flight belongs to the document shown (not one replaced since)."""
        job = self.runner.job
        return job is not None and job.generation == self.generation

    def _on_losses(self, points: list) -> None:
        if self._current():
            self.w.loss_plot.add(points)

    def _on_partial(self, res: RunResult) -> None:
        if self._current():
            self.last = res
            self.w.canvas.show_results(res)
            self.w.refresh_node_panels(light=True)

    def _on_finished(self, out: Outcome) -> None:
        self.progress_bar.hide()
        current = out.job.generation == self.generation
        if out.job.kind == "export":
            text = "Export cancelled" if out.cancelled else (
                "Export failed" if out.error else "Exported")
            self.state_label.setText(f"{text} ({out.seconds * 1000:.0f} ms)")
            self.w.files.export_finished(out)
        elif current:
            if out.result is not None:
                self.last = out.result
            self.w.show_outcome(out)
            text = "Cancelled" if out.cancelled else ("Failed" if out.error else "Done")
            if out.job.kind == "train" and out.losses:
                text += f": {len(out.losses)} steps, loss {out.losses[-1]:.5g}"
            self.state_label.setText(f"{text} ({out.seconds * 1000:.0f} ms on {out.job.device})")
        else:
            self.state_label.setText("Ready")
        if self._pending_export is not None:  # first; a run asked for meanwhile waits for it
            job, self._pending_export = self._pending_export, None
            self.runner.start(job)
        if self._pending_checks:
            self._after_change()
        pending, self._pending_run = self._pending_run, None
        if pending is not None:
            self.start(pending)  # waits again while the export runs
        self.w.update_actions()

    def shutdown(self) -> None:
        """Stop timers and the worker thread (safe to call twice)."""
        if self._shut:
            return
        self._shut = True
        self._change_timer.stop()
        self._memory_timer.stop()
        self._unsub()
        self.runner.shutdown()
