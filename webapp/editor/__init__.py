"""Pages where administrators edit diagrams, decision tables, forms and the reminder policy."""
