"""Loading a newly published holiday notice into the hall's notice folder, at runtime."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .calendar import china
from .errors import OverrideError
from .override_files import load_override
from .schedule import FOLDER_ENV, notice_folder


@dataclass(frozen=True)
class Installed:
    """Where a notice file went, the years it declares, and the provisional years it settled."""

    path: Path
    covers: tuple[int, ...]
    settled: tuple[int, ...]


def install_override(
    path: str | os.PathLike[str], folder: str | os.PathLike[str] | None = None,
    *, replace: bool = False,
) -> Installed:
    """Check an override file and copy it into the notice folder (default $ONETRIP_CALENDAR_DIR).

    The file must parse (errors name file:line) and build a calendar together with every file
    already in the folder. Calendars built afterwards (`china()`, or `calendar.reloaded()` for
    one in use) see it; `settled` lists the years it turned from provisional to known: due
    dates computed through them should be recomputed.
    """
    source, target_dir = Path(path), _folder(folder)
    loaded = load_override(source)
    target = target_dir / source.name
    if target.exists() and target.read_bytes() != source.read_bytes() and not replace:
        raise OverrideError(f"{target} exists with other content; replace it explicitly")
    before = china(loaded.spec.region, folder=target_dir)
    with tempfile.TemporaryDirectory() as staging:
        # The folder as it will be, built once: a contradiction fails here, not in a running hall.
        for other in target_dir.glob("*.yaml"):
            shutil.copyfile(other, Path(staging) / other.name)
        shutil.copyfile(source, Path(staging) / source.name)
        after = china(loaded.spec.region, folder=staging)
    _write(target, source.read_bytes())
    china.cache_clear()
    settled = tuple(y for y in before.provisional_years if y in after.covered_years)
    return Installed(target, loaded.spec.covers, settled)


def _folder(folder: str | os.PathLike[str] | None) -> Path:
    found = Path(folder).resolve() if folder is not None else notice_folder()
    if found is None:
        raise OverrideError(f"no notice folder: set {FOLDER_ENV} or name a folder")
    found.mkdir(parents=True, exist_ok=True)
    return found


def _write(target: Path, text: bytes) -> None:
    """Write whole or not at all: other processes may read the folder at any moment."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".loading-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
