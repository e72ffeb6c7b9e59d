"""Reading MDVSP benchmark files: an instance (``.inp``, or a ``.zip`` holding one,
as the benchmark sets ship them) and a ``bounds.txt`` of proven bounds."""

from __future__ import annotations

import zipfile
from pathlib import Path


class MdvspFileError(ValueError):
    """A benchmark file that cannot be read; the message names the file and why."""


def instance_name(path: Path) -> str:
    return path.name.removesuffix(".zip").removesuffix(".inp")


def read_instance_text(path: Path) -> str:
    """The ``.inp`` text of ``path``: the file itself, or the one ``.inp`` inside a zip."""
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                inside = [n for n in archive.namelist() if n.endswith(".inp")]
                if len(inside) != 1:
                    raise MdvspFileError(f"{path}: expected one .inp file in the zip, found {len(inside)}")
                data = archive.read(inside[0])
        else:
            data = path.read_bytes()
    except (OSError, zipfile.BadZipFile) as exc:
        raise MdvspFileError(f"{path}: {exc}") from None
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MdvspFileError(f"{path}: not an .inp text file (byte {exc.start} is not ASCII)") from None


def read_bounds(path: Path) -> dict[str, tuple[int, int]]:
    """Instance name -> (lower bound, upper bound); equal bounds are a proven optimum."""
    bounds = {}
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise MdvspFileError(f"{path}:{number}: expected name, lower bound, upper bound")
        bounds[fields[0]] = (int(fields[1]), int(fields[2]))
    return bounds
