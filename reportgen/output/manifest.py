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


def read_record(folder: Path) -> dict[str, str]:
    """The record of ``folder``: file name → SHA-256 (empty when missing or damaged)."""
    path = folder / MANIFEST
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_RECORD:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data.get("files", {})
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _file_sha256(path: Path) -> str | None:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_HASHED:
            return None     # a folder, FIFO or device in the way is never "ours"
        return _sha256(path.read_bytes())
    except OSError:
        return None


def edited(targets: list[tuple[Path, bytes]]) -> list[Path]:
    """The targets that exist and would lose something if replaced: neither
    what the record says reportgen wrote there nor the new content."""
    records: dict[Path, dict[str, str]] = {}
    out = []
    for path, data in targets:
        path = Path(path)
        if not path.exists():
            continue
        record = records.get(path.parent)
        if record is None:
            record = records[path.parent] = read_record(path.parent)
        current = _file_sha256(path)
        if current is None or current not in (record.get(path.name), _sha256(data)):
            out.append(path)
    return out


def write_outputs(targets: list[tuple[Path, bytes]], force: bool = False) -> None:
    """Write the documents ``targets`` and update each folder's record, all
    or nothing.

    Raises :class:`EditedFiles` (nothing written) when an existing file
    differs from what reportgen last wrote there and ``force`` is false;
    :class:`files.WriteError` when writing fails (nothing written).
    """
    targets = [(Path(p), d) for p, d in targets]
    if not force:
        changed = edited(targets)
        if changed:
            raise EditedFiles(changed)
    folders: dict[Path, dict[str, str]] = {}
    for path, data in targets:
        record = folders.get(path.parent)
        if record is None:
            record = folders[path.parent] = read_record(path.parent)
        record[path.name] = _sha256(data)
    records = []
    for folder, record in folders.items():
        # forget files that are gone, so the record stays small
        kept = {n: h for n, h in sorted(record.items()) if (folder / n).exists()
                or any(p.parent == folder and p.name == n for p, _ in targets)}
        text = json.dumps({"note": _NOTE, "files": kept}, ensure_ascii=False, indent=1)
        records.append((folder / MANIFEST, text.encode("utf-8")))
    write_files(targets + records)
