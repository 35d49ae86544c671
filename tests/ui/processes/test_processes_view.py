"""Processes view offscreen: real process rows, sort, filter, tree, signals with confirmation."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace

import psutil
import pytest
from PySide6.QtCore import Qt

from procdeck.core.samples import ProcessRow, ProcState, SignalRequest
from procdeck.engine.monitor.process_table import ProcessTable
from procdeck.engine.monitor.signals import send_signal
from procdeck.ui.processes import ProcessesView
from procdeck.ui.processes.model import COL_CPU, COL_NAME, COL_PID

PARENT = (
    "import subprocess, sys, time\n"
    "kid = subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True: time.sleep(1)'])\n"
    "print(kid.pid, flush=True)\n"
    "while True: time.sleep(1)\n"
)


@pytest.fixture
def family() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE)
    assert parent.stdout is not None
    kid = int(parent.stdout.readline())
    yield parent, kid
    for pid in (kid, parent.pid):
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass
    parent.wait(timeout=30)
    parent.stdout.close()
    try:
        psutil.Process(kid).wait(timeout=30)
    except psutil.NoSuchProcess:
        pass


def _row(pid: int, ppid: int, name: str, cpu: float | None = 1.0, **kw: object) -> ProcessRow:
    fields: dict[str, object] = dict(
        pid=pid,
        ppid=ppid,
        name=name,
        user="me",
        cpu_percent=cpu,
        rss=pid * 1000,
        mem_percent=0.1,
        threads=1,
        status="sleeping",
        create_time=1000.0 + pid,
        cmdline=f"/bin/{name} --flag",
    )
    fields.update(kw)
    return ProcessRow(**fields)  # type: ignore[arg-type]


ROWS = [
    _row(1, 0, "init", 0.5),
    _row(10, 1, "shell", 3.0),
    _row(11, 10, "editor", 50.0),
    _row(12, 10, "pager", None),
    _row(20, 1, "daemon", 7.0),
]


def test_sort_by_any_column(qtbot) -> None:
    view = ProcessesView()
    qtbot.addWidget(view)
    view.set_rows(ROWS)
    # Default: busiest first; unknown CPU ("-") last.
    assert view.visible_pids() == [11, 20, 10, 1, 12]
    view.view.sortByColumn(COL_PID, Qt.SortOrder.AscendingOrder)
    assert view.visible_pids() == [1, 10, 11, 12, 20]
    view.view.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
    assert view.visible_pids() == [20, 11, 1, 12, 10]
    idx = view.proxy.index(0, COL_CPU)
    assert view.proxy.data(idx) == "7.0%"


def test_filter_as_you_type_and_tree_keeps_ancestors(qtbot) -> None:
    view = ProcessesView()
    qtbot.addWidget(view)
    view.set_rows(ROWS)
    qtbot.keyClicks(view.filter_edit, "EDIT")
    assert view.visible_pids() == [11]
    view.set_filter("--flag")
    assert len(view.visible_pids()) == 5
    view.set_filter("")
    view.tree_box.setChecked(True)
    view.view.sortByColumn(COL_PID, Qt.SortOrder.AscendingOrder)
    assert view.visible_pids() == [1, 10, 11, 12, 20]
    assert view.proxy.rowCount() == 1  # only init at the top
    view.set_filter("pager")
    assert view.visible_pids() == [1, 10, 12]  # ancestors stay to show where it lives


def test_refresh_updates_in_place_and_keeps_selection(qtbot) -> None:
    view = ProcessesView()
    qtbot.addWidget(view)
    view.tree_box.setChecked(True)
    view.set_rows(ROWS)
    assert view.select_pid(11)
    resets: list[int] = []
    view.model.modelReset.connect(lambda: resets.append(1))
    # editor gets busier, pager exits, a new child of shell appears, daemon's pid is reused.
    new = [
        ROWS[0],
        ROWS[1],
        replace(ROWS[2], cpu_percent=90.0),
        _row(13, 10, "new"),
        replace(ROWS[4], create_time=5000.0, name="other"),
    ]
    view.set_rows(new)
    assert resets == []
    assert view.current_row() is not None and view.current_row().pid == 11
    assert view.current_row().cpu_percent == 90.0
    view.view.sortByColumn(COL_PID, Qt.SortOrder.AscendingOrder)
    assert view.visible_pids() == [1, 10, 11, 13, 20]
    assert view.model.row_count_total() == 5
    # Re-parenting (the shell died, its children moved to init).
    view.set_rows([ROWS[0], _row(11, 1, "editor"), _row(13, 1, "new")])
    assert view.visible_pids() == [1, 11, 13]
    view.tree_box.setChecked(False)
    assert view.proxy.rowCount() == 3


def test_other_users_process_is_access_denied(qtbot) -> None:
    view = ProcessesView()
    qtbot.addWidget(view)
    view.set_rows(
        [_row(1, 0, "init", can_signal=False, user="root"), _row(2, 1, "gone", state=ProcState.GONE)]
    )
    sent: list[SignalRequest] = []
    view.signalRequested.connect(sent.append)
    view.select_pid(1)
    assert not view.kill_button.isEnabled()
    assert "access denied" in view.status_label.text()
    assert view.request_signal(int(signal.SIGKILL)) is None and sent == []
    assert "access denied" in view.status_label.text()


def test_kill_a_child_of_the_test_with_confirmation(qtbot, family) -> None:
    parent, kid = family
    view = ProcessesView()
    qtbot.addWidget(view)
    view.show()
    view.set_rows(ProcessTable().snapshot())
    assert view.select_pid(kid)
    assert view.current_row().cmdline.endswith("time.sleep(1)")
    asked: list[SignalRequest] = []
    sent: list[SignalRequest] = []
    view.signalRequested.connect(sent.append)
    view.confirm = lambda req: asked.append(req) or False  # type: ignore[method-assign]
    view.kill_button.click()
    assert len(asked) == 1 and sent == [] and view.status_label.text() == "Cancelled."
    assert psutil.pid_exists(kid)
    view.confirm = lambda req: True  # type: ignore[method-assign]
    view.kill_button.click()
    assert len(sent) == 1 and sent[0].signum == signal.SIGKILL and sent[0].pid == kid and not sent[0].tree
    result = send_signal(sent[0])
    view.show_result(result)
    assert "SIGKILL" in view.status_label.text() and "sent to 1 process" in view.status_label.text()
    psutil.Process(kid)  # still listed until the parent reaps it
    qtbot.waitUntil(
        lambda: not psutil.pid_exists(kid) or psutil.Process(kid).status() == psutil.STATUS_ZOMBIE,
        timeout=30000,
    )
    assert parent.poll() is None  # only the child was signalled


def test_terminate_tree_and_chart_request(qtbot, family) -> None:
    parent, kid = family
    view = ProcessesView()
    qtbot.addWidget(view)
    view.set_rows(ProcessTable().snapshot())
    view.select_pid(parent.pid)
    charted: list[tuple[int, float, str]] = []
    view.chartRequested.connect(lambda pid, ct, name: charted.append((pid, ct, name)))
    view.chart_button.click()
    assert charted == [(parent.pid, psutil.Process(parent.pid).create_time(), view.current_row().name)]
    view.children_box.setChecked(True)
    view.confirm = lambda req: True  # type: ignore[method-assign]
    sent: list[SignalRequest] = []
    view.signalRequested.connect(sent.append)
    view.signal_combo.setCurrentIndex(view.signal_combo.findText("SIGTERM"))
    view.send_button.click()
    assert sent[0].tree and sent[0].signum == signal.SIGTERM
    result = send_signal(sent[0])
    assert set(result.sent) == {parent.pid, kid}
    assert parent.wait(timeout=30) == -signal.SIGTERM


def test_active_follows_visibility(qtbot) -> None:
    view = ProcessesView()
    qtbot.addWidget(view)
    states: list[bool] = []
    view.activeChanged.connect(states.append)
    view.show()
    view.hide()
    assert states == [True, False]


def test_only_rows_with_changed_values_are_announced(qtbot) -> None:
    view = ProcessesView()
    qtbot.addWidget(view)
    view.set_rows(ROWS)
    changes: list[tuple[int, int]] = []
    view.model.dataChanged.connect(lambda a, b, *_: changes.append((a.row(), b.row())))
    view.set_rows([replace(r) for r in ROWS])  # equal values, new objects
    view.set_rows([replace(r, cpu_percent=(r.cpu_percent or 0) + 0.01) if r.pid == 1 else r for r in ROWS])
    assert changes == []  # 0.5% -> 0.51% still reads 0.5%
    view.set_rows([replace(r, cpu_percent=33.0) if r.pid in (10, 20) else r for r in ROWS])
    assert changes == [(1, 1), (4, 4)]
