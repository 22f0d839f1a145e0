"""Reminders and escalations for human tasks: the policy file, the scan, e-mail delivery, the centre."""
