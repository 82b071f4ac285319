"""The ``gradlab`` command: the GUI, and ``run`` / ``export`` / ``screenshot`` without one.

    gradlab [FILE] [--gallery]             open the desktop app (app.gui.main(argv))
    gradlab run FILE [--device cpu|cuda] [--backward/--no-backward] [--json]
    gradlab export FILE --format torch [-o OUT]
    gradlab screenshot FILE -o OUT.png [--size WxH]   (app.screenshot.main(...))

Contracts with the GUI modules, imported only when needed so ``run`` and ``export`` never load
Qt: ``app.gui.main(argv: list[str]) -> int`` gets the arguments after ``gradlab`` (``[]``,
``["--gallery"]``, ``["FILE"]``); ``app.screenshot.main(path: str, out: str,
size: tuple[int, int] | None, device: str) -> int`` renders the window after a run of the
already-validated file ``path`` and writes the PNG ``out``.

User mistakes (missing or bad file, unknown op, no GPU, bad arguments) print one line on stderr
and exit with 2; a graph that runs but has failing nodes exits with 1. No tracebacks for those;
``GRADLAB_DEBUG=1`` shows one for internal errors.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

SUBCOMMANDS = ("run", "export", "screenshot")
EXIT_OK, EXIT_NODE_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UserError(Exception):
    """A mistake the user can fix: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line on stderr, exit 2 (argparse prints the usage too)
        raise UserError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="gradlab", description="Gradlab: build, run and debug tensor graphs. "
                "Without a command, opens the desktop app.")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    run = sub.add_parser("run", help="run a saved graph headless and print every node's results")
    run.add_argument("file", metavar="FILE")
    run.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    run.add_argument("--backward", action=argparse.BooleanOptionalAction, default=True,
                     help="run the backward pass too (default: yes)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    exp = sub.add_parser("export", help="write a runnable PyTorch script of a graph")
    exp.add_argument("file", metavar="FILE")
    exp.add_argument("--format", choices=("torch",), default="torch")
    exp.add_argument("-o", "--output", metavar="OUT", help="where to write (default: stdout)")
    shot = sub.add_parser("screenshot", help="render the window after a run to a PNG")
    shot.add_argument("file", metavar="FILE")
    shot.add_argument("-o", "--output", metavar="OUT.png", required=True)
    shot.add_argument("--size", metavar="WxH", type=_size, default=None)
    shot.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    return p


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expects WIDTHxHEIGHT such as 1280x800, got {text!r}")
    if not (16 <= w <= 16384 and 16 <= h <= 16384):
        raise argparse.ArgumentTypeError(f"size {w}x{h} is out of range (16 to 16384)")
    return w, h


def _load(path: str):
    from engine.graph.fileformat import FileFormatError, load

    try:
        return load(path)
    except FileFormatError as e:
        raise UserError(str(e)) from None


def _check_device(device: str) -> None:
    if device == "cuda":
        import engine.cuda

        if not engine.cuda.is_available():
            raise UserError(f"--device cuda: CUDA is not available "
                            f"({engine.cuda.unavailable_reason() or 'no GPU'})")


def _run(graph, device: str, backward: bool):
    """One run on a fresh executor: random nodes draw their own numbers (special.node_rng), the
    ones export writes out and the app shows after opening the file."""
    from engine.graph.export import run_graph

    return run_graph(graph, device=device, backward=backward)


def cmd_run(args) -> int:
    """``gradlab run``: the JSON object or a table on stdout; 1 if a node failed."""
    from engine.graph.export import run_json

    graph = _load(args.file)
    _check_device(args.device)
    result = _run(graph, args.device, args.backward)
    report = run_json(graph, result)
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        sys.stdout.write(format_table(report))
    failed = any(n["error"] for n in report["nodes"])
    return EXIT_NODE_FAILED if failed else EXIT_OK


def _cell(value, width: int = 28) -> str:
    """A value or gradient in one short line: ``[[3., 3.], [3., 3.]]`` or ``-``."""
    if value is None:
        return "-"
    import numpy as np

    arr = np.asarray(value, dtype=object if _has_text(value) else None)
    if arr.dtype == object:
        text = str(value).replace("'", "")
    else:
        text = np.array2string(arr, threshold=8, edgeitems=2, precision=4, separator=", ",
                               max_line_width=10_000, suppress_small=True)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _has_text(value) -> bool:
    if isinstance(value, list):
        return any(_has_text(v) for v in value)
    return isinstance(value, str)


def format_table(report: dict) -> str:
    """The readable form of ``gradlab run``: one row per node, then the errors."""
    head = ("node", "op", "shape", "dtype", "grad_fn", "value", "grad", "fwd ms", "bwd ms")
    rows = []
    for n in report["nodes"]:
        shape = "-" if n["shape"] is None else "[" + ", ".join(map(str, n["shape"])) + "]"
        ms = ["-" if v is None else f"{v:.3f}" for v in (n["forward_ms"], n["backward_ms"])]
        rows.append((n["label"], n["op"], shape, n["dtype"] or "-", n["grad_fn"] or "-",
                     "ERROR" if n["error"] else _cell(n["value"]), _cell(n["grad"]), *ms))
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    right = {7, 8}
    lines = ["  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                       for i, (c, w) in enumerate(zip(r, widths))).rstrip()
             for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    errors = [f"{n['label']}: {n['error']}" for n in report["nodes"] if n["error"]]
    out = "\n".join(lines) + "\n"
    out += f"\ndevice {report['device']}, {len(rows)} nodes"
    out += (f", {len(errors)} failed:\n  " + "\n  ".join(errors) + "\n") if errors else "\n"
    return out


def cmd_export(args) -> int:
    """``gradlab export``: the PyTorch script on stdout or in ``-o OUT``."""
    from engine.graph.export import ExportError, to_torch_script, write_text_atomic

    graph = _load(args.file)
    try:
        script = to_torch_script(graph, source_name=os.path.basename(args.file))
    except ExportError as e:
        raise UserError(f"{args.file}: {e}") from None
    if args.output:
        try:
            write_text_atomic(args.output, script)  # no half-written script if it fails
        except OSError as e:
            raise UserError(f"cannot write {args.output}: {e.strerror or e}") from None
    else:
        sys.stdout.write(script)
    return EXIT_OK


def cmd_screenshot(args) -> int:
    """``gradlab screenshot``: hand a checked file to app.screenshot."""
    _load(args.file)
    _check_device(args.device)
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise UserError(f"cannot write {args.output}: the folder {out_dir} does not exist")
    screenshot = _gui_module("app.screenshot")
    return int(screenshot.main(args.file, args.output, args.size, args.device) or 0)


def _gui_module(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name in (name, "app") or (e.name or "").startswith(("PySide6", "pyqtgraph")):
            what = "the desktop app" if e.name == name else f"{e.name} (needed by the app)"
            raise UserError(f"{what} is not available in this installation; "
                            f"`gradlab run FILE` and `gradlab export FILE` still work") from None
        raise


def cmd_gui(argv: list[str]) -> int:
    """Open the desktop app with the remaining arguments."""
    for a in argv:
        if not a.startswith("-") and not os.path.exists(a):
            raise UserError(f"{a}: cannot read the file: No such file or directory")
    gui = _gui_module("app.gui")
    return int(gui.main(list(argv)) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradlab`` script; returns the exit code (and exits with it)."""
    return _main(list(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    try:
        if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help",
                                                                        "--version")):
            return cmd_gui(argv)
        if argv[0] == "--version":
            from engine import __version__
            sys.stdout.write(f"gradlab {__version__}\n")
            return EXIT_OK
        args = _parser().parse_args(argv)
        return {"run": cmd_run, "export": cmd_export, "screenshot": cmd_screenshot}[
            args.command](args)
    except UserError as e:
        sys.stderr.write(f"gradlab: {e}\n")
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return int(e.code or 0) if not isinstance(e.code, str) else EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("gradlab: interrupted\n")
        return 130
    except BrokenPipeError:  # `gradlab run x --json | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as e:  # a bug of ours, not the user's: one line unless debugging
        if os.environ.get("GRADLAB_DEBUG"):
            raise
        sys.stderr.write(f"gradlab: internal error: {type(e).__name__}: {e} "
                         f"(set GRADLAB_DEBUG=1 for the traceback)\n")
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
