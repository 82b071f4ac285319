"""The inspector: the selected node's label, kind, doc, one editor per attribute (picked from
the op registry's schema) and its autograd flags.

It never changes the graph. Edits come out as signals (the app turns each into an undo
command); the inspector follows the graph's events, so undo, load and scripting refresh it.
"""
from __future__ import annotations

import html
import math
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QFrame, QGroupBox, QLabel, QLineEdit,
                               QScrollArea, QVBoxLayout, QWidget)

from engine.graph.kinds import NodeKind, get_kind, validate_attr
from engine.graph.model import Event, Graph

from .attr_editors import ERROR_STYLE, AttrEditor, make_editor

_RG_TIP = ("requires_grad: autograd records operations on this tensor, and backward fills "
           "its .grad when it is a leaf")
_RETAIN_TIP = ("retain_grad(): keep .grad on this tensor after backward even though it is not "
               "a leaf (PyTorch drops it otherwise)")


class Inspector(QWidget):
    """Shows one node of a graph and reports edits as signals (see the module docstring)."""

    attrEdited = Signal(str, str, object)  # node id, attribute name, new value (validated)
    flagEdited = Signal(str, str, bool)  # node id, 'requires_grad' | 'retain_grad', value
    labelEdited = Signal(str, str)  # node id, new label

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self.node_id: str | None = None
        self.kind: NodeKind | None = None
        self.editors: dict[str, AttrEditor] = {}
        self._unsubscribe: Callable[[], None] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll)
        self.body: QWidget | None = None
        self.placeholder = QLabel("Select a node to edit its attributes.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.label_edit = QLineEdit()
        self.label_error = QLabel()
        self.requires_grad_box = QCheckBox("requires_grad")
        self.retain_grad_box = QCheckBox("retain_grad")
        self._build()

    # ---- public API ---------------------------------------------------------------------
    def set_node(self, graph: Graph | None, node_id: str | None) -> None:
        """Show ``node_id`` of ``graph`` (None: show nothing), following the graph's events."""
        if graph is not self.graph:
            if self._unsubscribe:
                self._unsubscribe()
                self._unsubscribe = None
            self.graph = graph
            if graph is not None:
                unsub = graph.subscribe(self._on_event)
                self._unsubscribe = unsub
                self.destroyed.connect(lambda *_: unsub())
        if graph is None or node_id not in (graph.nodes if graph else {}):
            node_id = None
        self.node_id = node_id
        self._build()

    def editor(self, name: str) -> AttrEditor:
        """The editor of attribute ``name`` of the node shown."""
        return self.editors[name]

    # ---- building -----------------------------------------------------------------------
    def _build(self) -> None:
        self.editors = {}
        old = self.scroll.takeWidget()
        if old is not None and old is not self.placeholder:
            old.deleteLater()
        if self.node_id is None or self.graph is None:
            self.kind = None
            self.scroll.setWidget(self.placeholder)
            return
        node = self.graph.nodes[self.node_id]
        self.kind = kind = get_kind(node.kind)
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        title = QLabel(f"<span style='font-size:12pt; font-weight:600'>"
                       f"{html.escape(kind.title)}</span>&nbsp;&nbsp;"
                       f"<span style='color:gray'>{html.escape(kind.key)}</span>")
        lay.addWidget(title)
        if kind.doc:
            doc = QLabel(kind.doc)
            doc.setWordWrap(True)
            doc.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            lay.addWidget(doc)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.label_edit = QLineEdit(node.label)
        self.label_edit.setToolTip("the node's name on the canvas")
        self.label_edit.editingFinished.connect(lambda nid=node.id: self._label_finished(nid))
        self.label_error = QLabel()
        self.label_error.setStyleSheet("color: #e5484d; font-size: 8pt;")
        self.label_error.hide()
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.setSpacing(1)
        bl.addWidget(self.label_edit)
        bl.addWidget(self.label_error)
        form.addRow("label", box)
        lay.addLayout(form)

        attrs = [a for a in kind.attrs if not (a.name == "requires_grad" and a.kind == "bool")]
        if attrs:
            group = QGroupBox("Attributes")
            af = QFormLayout(group)
            af.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for a in attrs:
                value = node.attrs.get(a.name, None if a.required else a.default)
                ed = make_editor(a, value, self._validator(a.name))
                ed.committed.connect(lambda v, n=a.name, nid=node.id:
                                     self._attr_committed(nid, n, v))
                self.editors[a.name] = ed
                name = QLabel(a.name + ("*" if a.required else ""))
                name.setToolTip(a.doc + (" (required)" if a.required else ""))
                if a.kind == "data":  # wide: its own row under its name
                    af.addRow(name)
                    af.addRow(ed)
                else:
                    af.addRow(name, ed)
            lay.addWidget(group)
        self._update_ports()

        # always made (events refresh it), shown only for kinds with outputs
        group = QGroupBox("Autograd")
        gl = QVBoxLayout(group)
        self.requires_grad_box = QCheckBox("requires_grad")
        self.requires_grad_box.setToolTip(_RG_TIP)
        self.requires_grad_box.clicked.connect(self._rg_clicked)
        self.retain_grad_box = QCheckBox("retain_grad")
        self.retain_grad_box.setToolTip(_RETAIN_TIP)
        self.retain_grad_box.clicked.connect(
            lambda c: self._emit_flag("retain_grad", bool(c)))
        gl.addWidget(self.requires_grad_box, 0, Qt.AlignmentFlag.AlignLeft)
        gl.addWidget(self.retain_grad_box, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(group)
        group.setHidden(not kind.outputs)
        self._update_flags()
        lay.addStretch(1)
        self.body = body
        self.scroll.setWidget(body)

    def _validator(self, name: str) -> Callable[[Any], Any]:
        kind = self.kind
        return lambda v: validate_attr(kind, name, v)

    # ---- refreshing from the model ------------------------------------------------------
    def _on_event(self, ev: Event) -> None:
        if self.graph is None:
            return
        if ev.type == "reset":
            self.set_node(self.graph, self.node_id)
            return
        if self.node_id is None:
            return
        if ev.type == "node_removed" and ev.data["node"].id == self.node_id:
            self.set_node(self.graph, None)
        elif ev.type == "node_changed" and ev.data["node"].id == self.node_id:
            field = ev.data.get("field")
            if field == "attrs":
                name = ev.data["name"]
                if name in self.editors:
                    self.editors[name].set_value(ev.data["new"])
                elif name == "requires_grad":
                    self._update_flags()
            elif field == "label":
                self.label_edit.setText(ev.data["new"])
                self._set_label_error(None)
            elif field in ("requires_grad", "retain_grad"):
                self._update_flags()
        elif ev.type in ("edge_added", "edge_removed") and ev.data["edge"].dst == self.node_id:
            self._update_ports()

    def _update_flags(self) -> None:
        node = self.graph.nodes[self.node_id]
        rg = node.requires_grad or bool(self._rg_attr() and node.attrs.get("requires_grad"))
        self.requires_grad_box.setChecked(rg)
        self.retain_grad_box.setChecked(node.retain_grad)

    def _update_ports(self) -> None:
        """An attribute standing in for an unconnected input is disabled while it is connected."""
        connected = {p for p, es in self.graph.inputs_of(self.node_id).items() if es}
        for name in self.kind.extra.get("port_attrs", ()):
            ed = self.editors.get(name)
            if ed is None:
                continue
            ed.setEnabled(name not in connected)
            ed.setToolTip(f"input '{name}' is connected: its value comes from the edge"
                          if name in connected else self.kind.attr(name).doc)

    # ---- edits out ----------------------------------------------------------------------
    def _attr_committed(self, node_id: str, name: str, value: Any) -> None:
        """An editor's value, for the node it was made for (an edit ending as the selection
        moves on still belongs to that node); nothing when the value is unchanged."""
        node = self.graph.nodes.get(node_id) if self.graph is not None else None
        if node is None:
            return
        a = get_kind(node.kind).attr(name)
        if _same(value, node.attrs.get(name, None if a.required else a.default)):
            return
        self.attrEdited.emit(node_id, name, value)

    def _rg_attr(self) -> bool:
        return any(a.name == "requires_grad" and a.kind == "bool" for a in self.kind.attrs)

    def _rg_clicked(self, checked: bool) -> None:
        """requires_grad: the creation op's keyword where the kind has one, else the node flag."""
        node = self.graph.nodes[self.node_id]
        if not self._rg_attr():
            self._emit_flag("requires_grad", bool(checked))
        elif checked:
            self.attrEdited.emit(self.node_id, "requires_grad", True)
        else:
            if node.attrs.get("requires_grad"):
                self.attrEdited.emit(self.node_id, "requires_grad", False)
            if node.requires_grad:
                self.flagEdited.emit(self.node_id, "requires_grad", False)

    def _emit_flag(self, name: str, value: bool) -> None:
        if self.node_id is not None and getattr(self.graph.nodes[self.node_id], name) != value:
            self.flagEdited.emit(self.node_id, name, value)

    def _label_finished(self, node_id: str) -> None:
        node = self.graph.nodes.get(node_id) if self.graph is not None else None
        if node is None or node_id != self.node_id:
            return
        text = self.label_edit.text().strip()
        if not text:
            self._set_label_error("a label cannot be empty")
            return
        self._set_label_error(None)
        if text != node.label:
            self.labelEdited.emit(node_id, text)

    def _set_label_error(self, message: str | None) -> None:
        self.label_error.setText(message or "")
        self.label_error.setVisible(bool(message))
        self.label_edit.setStyleSheet(f"QLineEdit {{{ERROR_STYLE}}}" if message else "")


def _same(a: Any, b: Any) -> bool:
    """Equal values (NaN equals NaN; an int and a float of the same value differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b
