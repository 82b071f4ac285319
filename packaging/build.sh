#!/usr/bin/env bash
# Builds an installable wheel (with the gallery and icons inside) into dist/, and, on Linux,
# installs the desktop entry, icon and file type for the current user with --install-desktop.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
"$PY" -m pip wheel --no-deps --wheel-dir dist .
echo "wheel: $(ls -t dist/gradlab-*.whl | head -1)  (pip install it, then run: gradlab)"
if [[ "${1:-}" == "--install-desktop" ]]; then
  share="${XDG_DATA_HOME:-$HOME/.local/share}"
  install -Dm644 packaging/gradlab.desktop "$share/applications/gradlab.desktop"
  install -Dm644 resources/icons/gradlab.svg "$share/icons/hicolor/scalable/apps/gradlab.svg"
  install -Dm644 packaging/gradlab-mime.xml "$share/mime/packages/gradlab.xml"
  command -v update-mime-database >/dev/null && update-mime-database "$share/mime" || true
  echo "desktop entry installed under $share"
fi
