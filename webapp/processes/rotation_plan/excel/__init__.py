"""Service history by Excel (openpyxl): the template (with the county's current data), reading and
checking an upload (layout, formulas, merged cells, every row), the preview, and applying it whole."""
