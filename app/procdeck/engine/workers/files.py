"""File I/O for jobs, off the event loop: inputs from a file's lines, results to a file."""

from __future__ import annotations

from pathlib import Path

import anyio

from procdeck.core.jobs import JobSpecError, ResultRow, inputs_from_lines, results_to_csv, results_to_json
from procdeck.core.private_files import private_opener

#: A file of inputs larger than this is refused (one job per line).
MAX_INPUTS_FILE = 256 * 1024 * 1024


def _read_inputs(path: str) -> list[str]:
    file = Path(path).expanduser()
    try:
        if file.stat().st_size > MAX_INPUTS_FILE:
            raise JobSpecError(f"{file} is larger than {MAX_INPUTS_FILE >> 20} MB.")
        content = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JobSpecError(f"The inputs file {file} does not exist.") from None
    except IsADirectoryError:
        raise JobSpecError(f"{file} is a folder, not a file of inputs.") from None
    except UnicodeDecodeError as exc:
        raise JobSpecError(f"{file} is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    except OSError as exc:
        raise JobSpecError(f"Cannot read {file}: {exc.strerror or exc}.") from None
    return inputs_from_lines(content)


async def read_inputs_file(path: str) -> list[str]:
    """One input per non-empty line; a clear JobSpecError for every way this can fail."""
    return await anyio.to_thread.run_sync(_read_inputs, path)


def render_results(rows: list[ResultRow], fmt: str) -> str:
    if fmt == "csv":
        return results_to_csv(rows)
    if fmt == "json":
        return results_to_json(rows)
    raise ValueError(f"unknown results format {fmt!r} (csv or json)")


async def save_results(rows: list[ResultRow], path: str, fmt: str) -> None:
    """Write a batch's results as CSV or JSON (rendering and writing off the loop)."""

    def write() -> None:
        text = render_results(rows, fmt)
        with open(Path(path).expanduser(), "w", encoding="utf-8", opener=private_opener) as out:
            out.write(text)

    await anyio.to_thread.run_sync(write)


async def render_results_async(rows: list[ResultRow], fmt: str) -> str:
    return await anyio.to_thread.run_sync(render_results, rows, fmt)
