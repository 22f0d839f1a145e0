"""Self-application (自主申报): a teacher applies for a title in an open cycle of their county."""
