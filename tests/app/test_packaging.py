"""The installable wheel carries everything the app needs at run time."""
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_gallery_schema_icons_and_entry_point(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--wheel-dir",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("gradlab-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    examples = sorted(n for n in names if n.startswith("resources/examples/")
                      and n.endswith(".gradlab"))
    assert len(examples) == len(list((ROOT / "resources" / "examples").glob("*.gradlab"))) >= 24
    assert "engine/graph/schema.json" in names
    assert "resources/icons/gradlab.svg" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gradlab = app.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
