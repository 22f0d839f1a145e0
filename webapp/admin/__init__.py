"""Administration: the state of diagrams, decision tables and forms."""
