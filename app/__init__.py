"""The Gradlab program: main window, document, actions, worker, command line."""
