"""Example graphs (the classroom gallery), icons and styles."""
