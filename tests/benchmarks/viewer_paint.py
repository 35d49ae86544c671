"""Viewer paint: one repaint of a following output viewer in a flood, against a bare painter.

    .venv/bin/python tests/benchmarks/viewer_paint.py [--json PATH] [--quick] [--rounds N]

During an output flood the viewer's repaint is the longest single step on the event loop
(``output_ingest``'s lag comes mostly from it and from the pipe reads), so it is measured
here alone, on the same interpreter, in alternating rounds:

- ``repaint_ms``: a 1000x700 OutputViewer following a run that holds 2M lines; before each
  repaint about 1,100 new lines arrive, so every frame shows rows never painted before
  (nothing cached), as in a flood;
- ``bare_repaint_ms`` (baseline): a plain QWidget of the same size that fills its
  background and draws the same number of rows of the same kind of text, one drawText a
  row, from strings made beforehand: what Qt costs for such a frame with no viewer around it;
- ``ratio``: repaint_ms / bare_repaint_ms (medians of per-round medians);
- ``cpu_ms_per_repaint`` (info): this process's CPU time per viewer frame, the feed of
  its new lines included.

No target of its own: it shows where a frame's time goes, and a regression in the viewer's
paint shows here before it blurs into output_ingest's lag.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "app") not in sys.path:
    sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the shared _private_dirs module
from _private_dirs import private_dirs  # noqa: E402

LINES_KEPT = 2_000_000
WIDTH, HEIGHT = 1000, 700


def _block(start: int, n: int) -> bytes:
    return b"".join(b"%08d the quick brown fox jumps\n" % i for i in range(start, start + n))


def measure(repaints: int, rounds: int) -> dict:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QApplication, QWidget

    from procdeck import qt_env

    qt_env.prepare()  # as the app does before its QApplication
    app = QApplication.instance() or QApplication([])

    from procdeck.core.output import Stream
    from procdeck.engine.output.run_output import RunOutput
    from procdeck.engine.output.settings import OutputSettings
    from procdeck.ui.text_font import unshaped
    from procdeck.ui.viewer.output_viewer import OutputViewer

    output = RunOutput(1, settings=OutputSettings(spool=False), max_lines=LINES_KEPT)
    made = 0
    while made < LINES_KEPT:
        output.feed(Stream.STDOUT, _block(made, 50_000))
        made += 50_000
    viewer = OutputViewer()
    viewer.resize(WIDTH, HEIGHT)
    viewer.set_source(output.view())
    viewer.show()
    view = viewer.view
    for _ in range(20):
        app.processEvents()
    rows = view.visible_rows() + 1

    class Bare(QWidget):
        """Fill, then one drawText per row: Qt's own cost of such a frame."""

        def __init__(self) -> None:
            super().__init__()
            self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
            self.font_ = unshaped(view.font())
            self.texts: list[str] = []

        def paintEvent(self, _event) -> None:
            painter = QPainter(self)
            pal = self.palette()
            painter.fillRect(self.rect(), pal.base().color())
            painter.setPen(pal.text().color())
            painter.setFont(self.font_)
            line_h = view._lh
            ascent = view._ascent
            for i, text in enumerate(self.texts):
                painter.drawText(QPointF(4, i * line_h + ascent), text)
            painter.end()

    bare = Bare()
    bare.resize(view.viewport().size())
    bare.show()
    for _ in range(20):
        app.processEvents()

    def viewer_round() -> tuple[float, float]:
        nonlocal made
        times = []
        cpu0 = time.process_time()
        for _ in range(repaints):
            output.feed(Stream.STDOUT, _block(made, 1100))
            made += 1100
            view.refresh()
            t0 = time.perf_counter()
            view.viewport().repaint()
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000, (time.process_time() - cpu0) / repaints * 1000

    def bare_round() -> float:
        nonlocal made
        times = []
        for _ in range(repaints):
            bare.texts = [
                f"{i:08d} the quick brown fox jumps" for i in range(made, made + rows)
            ]  # new text each frame, like the flood
            made += 1100
            t0 = time.perf_counter()
            bare.repaint()
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000

    viewer_round()  # warm-up: glyph caches, first paints
    bare_round()
    per_round: list[tuple[float, float, float]] = []
    for _ in range(rounds):
        ms, cpu = viewer_round()
        per_round.append((ms, bare_round(), cpu))
    viewer.close()
    bare.close()
    viewer.deleteLater()
    bare.deleteLater()
    app.processEvents()
    output.close(timeout=10)
    repaint = statistics.median(r[0] for r in per_round)
    base = statistics.median(r[1] for r in per_round)
    return {
        "repaint_ms": repaint,
        "bare_repaint_ms": base,
        "ratio": statistics.median(r[0] / r[1] for r in per_round),
        "cpu_ms_per_repaint": statistics.median(r[2] for r in per_round),
        "rows_painted": rows,
        "repaints_per_round": repaints,
        "rounds": [{"repaint_ms": a, "bare_repaint_ms": b, "cpu_ms_per_repaint": c} for a, b, c in per_round],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--quick", action="store_true", help="fewer repaints and rounds")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 5)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    rounds = args.rounds or (2 if args.quick else 5)
    with private_dirs():
        result = measure(60 if args.quick else 300, rounds)
    print(
        f"viewer_paint: {result['rows_painted']} rows of {WIDTH}x{HEIGHT}, "
        f"medians of {result['repaints_per_round']} repaints x {rounds} rounds"
    )
    print(f"  {'repaint_ms':28}{result['repaint_ms']:10.2f}  OutputViewer following a flood")
    print(f"  {'bare_repaint_ms':28}{result['bare_repaint_ms']:10.2f}  fill + one drawText a row (baseline)")
    print(f"  {'ratio':28}{result['ratio']:10.2f}  viewer / bare")
    print(
        f"  {'cpu_ms_per_repaint':28}{result['cpu_ms_per_repaint']:10.2f}  this process, per viewer frame (feed included)"
    )
    spread = " ".join(f"{r['repaint_ms']:.2f}/{r['bare_repaint_ms']:.2f}" for r in result["rounds"])
    print(f"  per round (viewer/bare ms): {spread}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
