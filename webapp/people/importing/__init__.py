"""The Excel import of teachers: the template (`sheet.py`), reading an upload safely (`reader.py`),
checking every row (`checking.py`), applying all or nothing (`applying.py`), the background job
with its progress (`jobs.py`) and the pages (`pages.py`)."""
from . import pages  # noqa: F401  (routes on the blueprint)
