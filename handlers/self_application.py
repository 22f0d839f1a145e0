"""Handlers for the self-application process (workflows/self_application.bpmn)."""
