"""Diagrams, decision tables, forms and the reminder policy as administrators edit them in the browser.

- ``files``: which files are editable and what the shipped (version 0) files contain;
- ``store``: drafts, publications, rollbacks, and the file set that applies to an organisation;
- ``sets``: a file set written once to disk (content-addressed) with its own engine and form library;
- ``checks`` and ``structure``: every save is untrusted input, checked like the files at startup and more;
- ``diffing``: what changed between two versions, in words.
"""
