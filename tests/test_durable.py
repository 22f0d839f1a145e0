"""Files that committed rows point to are written atomically and durably (`webapp.core.durable`)."""
from __future__ import annotations

from webapp.core.durable import write_durably


def test_write_durably_syncs_the_bytes_the_name_and_new_directories(tmp_path, fsynced):
    target = tmp_path / "imports" / "2026" / "plan.xlsx"
    write_durably(target, b"first")
    assert target.read_bytes() == b"first"
    # The bytes (under their scratch name, since renamed), then the entries of the three levels.
    assert len(fsynced) == 4
    assert fsynced[0].startswith(str(target.parent / ".plan.xlsx-"))
    assert fsynced[1:] == [str(target.parent), str(tmp_path / "imports"), str(tmp_path)]

    fsynced.clear()
    write_durably(target, b"second")  # replaces in place; the directories exist now
    assert target.read_bytes() == b"second"
    assert fsynced[1:] == [str(target.parent)]
    assert sorted(path.name for path in target.parent.iterdir()) == ["plan.xlsx"]  # no scratch left
