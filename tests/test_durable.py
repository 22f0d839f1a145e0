"""Files that committed rows point to are written atomically and durably (`webapp.core.durable`)."""
from __future__ import annotations

import os

from webapp.core.durable import write_durably


def test_write_durably_syncs_the_bytes_the_name_and_new_directories(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(handle):
        synced.append(os.readlink(f"/proc/self/fd/{handle}"))
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    target = tmp_path / "imports" / "2026" / "plan.xlsx"
    write_durably(target, b"first")
    assert target.read_bytes() == b"first"
    # The bytes (under their scratch name, since renamed), then the entries of the three levels.
    assert len(synced) == 4
    assert synced[0].startswith(str(target.parent / ".plan.xlsx-"))
    assert synced[1:] == [str(target.parent), str(tmp_path / "imports"), str(tmp_path)]

    synced.clear()
    write_durably(target, b"second")  # replaces in place; the directories exist now
    assert target.read_bytes() == b"second"
    assert synced[1:] == [str(target.parent)]
    assert sorted(path.name for path in target.parent.iterdir()) == ["plan.xlsx"]  # no scratch left
