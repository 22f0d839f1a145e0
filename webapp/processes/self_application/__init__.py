"""Self-application (自主申报): a teacher applies for a title; the school accepts or returns it.

The flow is ``workflows/self_application.bpmn`` with ``workflows/eligibility.dmn``; its
service tasks are ``handlers/self_application.py``.
"""
