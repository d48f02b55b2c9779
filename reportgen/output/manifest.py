"""What ``render`` wrote, so it never replaces a document edited since (生成记录).

Each output folder that ``render`` writes into gets a small file
:data:`MANIFEST` (JSON) listing the documents reportgen wrote there and the
SHA-256 of each one's bytes.  Before replacing a document, ``render``
compares the file on disk with that record:

* the same bytes as recorded (untouched since reportgen wrote it), or the
  same bytes as the new render → replaced;
* anything else — edited by hand in Word/WPS, or a file reportgen did not
  write (not in the record) → nothing of the unit is written and the files
  are listed, unless ``--force`` is given.

A missing or damaged record protects every existing file (safe side).  The
documents and the updated record are written together, all or nothing
(:func:`files.write_files`).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from reportgen.errors import ReportgenError, display_path
from reportgen.output.files import write_files

#: The record's file name, in each output folder.
MANIFEST = ".reportgen.json"
_NOTE = ("reportgen 在此文件夹生成的文件及其 SHA-256；用来判断文件生成后是否被修改过，"
         "被修改过的文件不会被自动替换。请勿编辑。")
_MAX_RECORD = 1024 * 1024      # a record larger than this is ignored (treated as damaged)
_MAX_HASHED = 200 * 1024 * 1024  # a file larger than this is not hashed: it is not ours


class EditedFiles(ReportgenError):
    """Existing files that differ from what reportgen last wrote there.

    ``paths`` lists them; the message (Chinese) names them and says how to
    go on (``--force`` or another output folder)."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        listed = "\n".join(f"  {display_path(p)}" for p in paths)
        super().__init__(
            f"以下文件在 reportgen 上次生成后被修改过，或不是 reportgen 生成的；为免丢失修改，"
            f"未写入任何文件：\n{listed}\n"
            "确认要替换请加 --force，或用 -o 指定另一个输出文件夹"
            "（files changed since reportgen wrote them; use --force to replace）")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_record(folder: Path) -> dict[str, list[str]]:
    """The record of ``folder``: file name → the SHA-256 it may have (empty
    when missing or damaged)."""
    path = folder / MANIFEST
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_RECORD:
            return {}
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {str(k): [str(h) for h in (v if isinstance(v, list) else [v])] for k, v in files.items()}


def _file_sha256(path: Path) -> str | None:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_HASHED:
            return None     # a folder, FIFO or device in the way is never "ours"
        return _sha256(path.read_bytes())
    except OSError:
        return None


def _plan(targets: list[tuple[Path, bytes]]) -> tuple[list[Path], dict[Path, dict[str, list[str]]]]:
    """The targets that would lose something if replaced (neither what the
    record allows nor the new content), and each folder's updated record."""
    records: dict[Path, dict[str, list[str]]] = {}
    changed = []
    for path, data in targets:
        record = records.get(path.parent)
        if record is None:
            record = records[path.parent] = read_record(path.parent)
        new = _sha256(data)
        allowed = record.get(path.name, [])
        entry = [new]
        if path.exists():
            current = _file_sha256(path)
            if current is None or current not in allowed + [new]:
                changed.append(path)
            elif current != new:
                entry.append(current)   # the record is renamed first: a run killed before
                                        # the document is renamed leaves the old one accepted
        record[path.name] = entry
    return changed, records


def edited(targets: list[tuple[Path, bytes]]) -> list[Path]:
    """The targets that exist and would lose something if replaced: neither
    what the record says reportgen wrote there nor the new content."""
    return _plan([(Path(p), d) for p, d in targets])[0]


def write_outputs(targets: list[tuple[Path, bytes]], force: bool = False) -> None:
    """Write the documents ``targets`` and update each folder's record, all
    or nothing (the record first, so a run killed halfway never makes a
    document look edited).

    Raises :class:`EditedFiles` (nothing written) when an existing file
    differs from what reportgen last wrote there and ``force`` is false;
    :class:`files.WriteError` when writing fails (nothing written).
    """
    targets = [(Path(p), d) for p, d in targets]
    changed, folders = _plan(targets)
    if changed and not force:
        raise EditedFiles(changed)
    records = []
    for folder, record in folders.items():
        # forget files that are gone, so the record stays small
        kept = {n: h for n, h in sorted(record.items()) if (folder / n).exists()
                or any(p.parent == folder and p.name == n for p, _ in targets)}
        text = json.dumps({"note": _NOTE, "files": kept}, ensure_ascii=False, indent=1)
        records.append((folder / MANIFEST, text.encode("utf-8")))
    write_files(targets, first=records)
