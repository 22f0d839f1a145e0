"""Reports, each scoped to the reader's organisation (a school its own, a county its schools, a
city its counties, a province its cities): queries in `queries.py` (each returns a `Table`),
.xlsx export in `export.py`, server-drawn SVG charts in `charts.py`, pages in `pages.py`."""
from . import pages  # noqa: F401  (routes on the blueprint)
