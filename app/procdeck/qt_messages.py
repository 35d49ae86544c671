"""Route Qt's own messages (qDebug/qWarning...) into Python logging.

Qt prints them on stderr by default. Procdeck logs them instead, so they reach the log
file and tests can fail on them. One message is dropped: the offscreen platform plugin
(used headless and in tests) warns "This plugin does not support propagateSizeHints()"
for every shown window; it says nothing about the app
(https://bugreports.qt.io/browse/QTBUG-56478 and qoffscreenwindow.cpp).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("qt")

PLATFORM_NOISE = ("This plugin does not support propagateSizeHints()",)

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    if message in PLATFORM_NOISE:
        return
    category = context.category or "default"
    log.log(_LEVELS.get(kind, logging.WARNING), "[%s] %s", category, message)


def install() -> None:
    qInstallMessageHandler(_handler)
