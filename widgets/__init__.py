"""Qt widgets for Gradlab, each usable on its own; they import engine, never app."""
