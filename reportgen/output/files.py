"""Writing files so that none is lost, half-written or locked away (写入文件).

Every file reportgen writes goes through :func:`write_files`:

* **all or nothing** — each file is first written in full to a temporary
  name in its own folder and flushed to disk; only when every file of the
  batch is complete are they renamed into place.  A failure (disk full, a
  file-size limit, no permission, a name too long) removes the temporary
  files and leaves every existing file as it was;
* **normal permissions** — a new file gets the mode any program's new file
  gets under the user's umask (``0o666 & ~umask``; on a shared bureau folder
  colleagues can open it); a replaced file keeps its mode;
* **names checked first** — a name longer than the file system allows
  (255 bytes) is refused before anything is written.

Failures raise :class:`WriteError` with a Chinese message naming the file.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from pathlib import Path

from reportgen.errors import ReportgenError, display_path

#: Longest file name most file systems accept (ext4, NTFS, APFS), in bytes of UTF-8.
NAME_MAX = 255

_REASONS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EFBIG: "超过允许的文件大小",
    errno.EACCES: "没有写入权限，或文件正在 Word/WPS/Excel 中打开（请关闭后重试）",
    errno.EPERM: "没有写入权限，或文件正在 Word/WPS/Excel 中打开（请关闭后重试）",
    errno.EROFS: "磁盘或文件夹是只读的",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EISDIR: "同名的文件夹已存在",
    errno.EEXIST: "同名的文件已存在",
    errno.EIO: "磁盘读写出错",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "超出磁盘配额"


class WriteError(ReportgenError, OSError):
    """A file could not be written; nothing of the batch was written.

    ``path`` is the file that failed, ``reason`` the Chinese reason.  It is
    also an OSError (``strerror`` = the reason, ``filename`` = the path), so
    code that catches write failures as OSError keeps working."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"无法写入 {display_path(path)}：{reason}（未写入任何文件）")
        self.path = Path(path)
        self.reason = reason
        self.strerror = reason
        self.filename = str(path)

    def __str__(self) -> str:
        return self.args[0]


def reason(exc: OSError) -> str:
    """A Chinese reason for an OSError (the system's text kept in brackets)."""
    text = _REASONS.get(exc.errno or 0)
    detail = exc.strerror or str(exc)
    return f"{text}（{detail}）" if text else detail


def check_name(path: Path) -> None:
    """Raise :class:`WriteError` when ``path`` cannot be created: a name over
    :data:`NAME_MAX` bytes, an existing folder of that name, or a device or
    FIFO there (``-o /dev/full`` must not replace the device node)."""
    if len(path.name.encode("utf-8")) > NAME_MAX:
        raise WriteError(path, f"文件名过长（{len(path.name.encode('utf-8'))} 字节，最多 {NAME_MAX}）")
    if path.is_dir():
        raise WriteError(path, _REASONS[errno.EISDIR])
    if path.exists() and not path.is_file():
        raise WriteError(path, "这不是普通文件（设备、管道等），不能替换")


def _temp_name(folder: Path, suffix: str) -> Path:
    """``.reportgen-<pid>-<random><suffix>`` in ``folder``: the pid lets a
    later run remove what a killed run left (:func:`sweep`)."""
    return folder / f".reportgen-{os.getpid()}-{secrets.token_hex(6)}{suffix}"


#: A temporary file younger than this is never swept (it may belong to a
#: run on another computer writing to the same shared folder), in seconds.
STALE_AFTER = 600


def sweep(folder: Path) -> None:
    """Remove the temporary files that a reportgen process killed while
    writing (power cut, ``kill -9``) left in ``folder``: those older than
    :data:`STALE_AFTER` whose process is gone.  Only on POSIX, where a
    process can be looked up safely."""
    if os.name != "posix":
        return
    import time

    now = time.time()
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".reportgen-")
                 and n.endswith((".tmp", ".bak"))]
    except OSError:
        return
    for name in names:
        pid = name.split("-")[1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if now - os.lstat(folder / name).st_mtime < STALE_AFTER:
                continue
        except OSError:
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            _unlink(folder / name)
        except (PermissionError, OverflowError, OSError):
            continue


def _temp_file(folder: Path) -> tuple[int, Path]:
    """A new empty file in ``folder``, created like any new file (mode 0o666
    less the umask); returns its descriptor and path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = _temp_name(folder, ".tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _stage(path: Path, data: bytes) -> Path:
    """Write ``data`` in full to a temporary file beside ``path``; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_file(path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)   # a replaced file keeps its mode
        except FileNotFoundError:
            pass
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_files(items: list[tuple[Path, bytes]], first: list[tuple[Path, bytes]] = ()) -> None:
    """Write every ``(path, data)`` of ``items`` and ``first`` or none of them.

    ``first`` are written after ``items`` but renamed into place before them
    (a record of the documents, :mod:`manifest`).  Raises :class:`WriteError`
    (every file as it was before) when a name is too long, taken by a folder
    or device, a target folder is a file, or writing or renaming fails.
    """
    items = [(Path(p), d) for p, d in items]
    first = [(Path(p), d) for p, d in first]
    for path, _ in items + first:
        check_name(path)
    folders = {path.parent for path, _ in items + first}
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise WriteError(folder, "这是一个文件，不是文件夹（输出位置应为文件夹）")
    for folder in folders:
        sweep(folder)
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in items + first:
            try:
                staged.append((path, _stage(path, data)))
            except OSError as exc:
                raise WriteError(path, reason(exc)) from None
        _replace_all(staged[len(items):] + staged[: len(items)])
    finally:
        for _, tmp in staged:
            _unlink(tmp)


def _replace_all(staged: list[tuple[Path, Path]]) -> None:
    """Rename each temporary file onto its target; if one rename fails, put
    back the files already replaced (from hard-linked backups) and remove
    the ones that did not exist before."""
    backups: list[tuple[Path, Path | None, bool]] = []
    try:
        for path, tmp in staged:
            backup = None
            existed = path.exists()
            if existed:
                backup = _temp_name(path.parent, ".bak")
                try:
                    os.link(path, backup)
                except OSError:
                    backup = None
            try:
                os.replace(tmp, path)
            except OSError as exc:
                if backup is not None:
                    _unlink(backup)
                for done, old, was in reversed(backups):
                    try:
                        if old is not None:
                            os.replace(old, done)
                        elif not was:
                            os.unlink(done)
                    except OSError:
                        pass
                backups.clear()
                raise WriteError(path, reason(exc)) from None
            backups.append((path, backup, existed))
    finally:
        for _, old, _ in backups:
            if old is not None:
                _unlink(old)


def write_file(path: Path, data: bytes) -> None:
    """:func:`write_files` for one file."""
    write_files([(path, data)])


def make_folder(target: Path) -> Path:
    """A new empty temporary folder beside ``target`` (for staging a copy
    renamed into place), created with the umask's permissions."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = target.parent / f".reportgen-{secrets.token_hex(6)}"
        try:
            os.mkdir(tmp, 0o777)
            return tmp
        except FileExistsError:
            continue


def remove_folder(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
