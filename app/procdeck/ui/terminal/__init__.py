"""The terminal view of pty runs: a pyte screen model, key encoding, and the widget."""
