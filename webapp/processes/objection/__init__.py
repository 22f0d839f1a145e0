"""Objections to a public notice (公示异议): filed by people of the school, investigated confidentially.

They are filed on the notice page of the school vote, which starts this process.

The flow is ``workflows/objection.bpmn``; its service task is ``handlers/objection.py``.
"""
