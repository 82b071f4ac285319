"""Bundled resources: the classroom gallery of example graphs (``examples/NN_slug.gradlab``)."""
from __future__ import annotations

import json
from pathlib import Path


def examples_dir() -> Path:
    """The folder holding the gallery's ``.gradlab`` files."""
    return Path(__file__).with_name("examples")


def list_examples() -> list[tuple[Path, str, str]]:
    """``(path, title, note)`` of every gallery example, in gallery order (by file name).

    Reads only each file's ``meta``; a file that cannot be read is listed with its name as the
    title and the reason as the note, so the gallery still shows it and opening it explains.
    """
    out = []
    for path in sorted(examples_dir().glob("*.gradlab")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("meta", {})
            title, note = str(meta.get("title") or path.stem), str(meta.get("note", ""))
        except (OSError, ValueError, AttributeError) as e:
            title, note = path.stem, f"cannot be read: {e}"
        out.append((path, title, note))
    return out
