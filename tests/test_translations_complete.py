"""Every message the code and templates ask for has its Simplified Chinese translation.

The messages are extracted as `make extract-messages` does (babel.cfg, the same keywords) and
looked up in `messages.po`: a new `_("…")` without its Chinese would show English on a Chinese
page. Needs no database.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "webapp" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"


def _extracted(tmp_path: Path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "--no-location", "-o", str(template), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with template.open("rb") as handle:
        return read_po(handle)


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path):
    extracted = _extracted(tmp_path)
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    ids = [message.id for message in extracted if message.id]
    assert len(ids) > 1000, "the extraction found too few messages: babel.cfg or the keywords changed"
    untranslated = []
    for message_id in ids:
        entry = catalog.get(message_id)
        strings = [] if entry is None else (list(entry.string) if isinstance(entry.string, (list, tuple))
                                            else [entry.string])
        if entry is None or entry.fuzzy or not all(strings):
            untranslated.append(message_id)
    assert not untranslated, f"{len(untranslated)} messages without a Chinese translation: {untranslated[:10]}"
