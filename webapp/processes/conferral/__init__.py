"""Conferral of titles (授予称号): the county office proposes those who passed the training, the leading
group approves, each new holder gets a numbered certificate in the title register (`webapp.register`),
the list is published on a public page of the county, and certificates print as PDF with a QR code
to the public verification page.

The flow is ``workflows/conferral.bpmn`` with ``workflows/conferral_rules.dmn`` (term, allowance by
level × category, certificate-number format); its service tasks are ``handlers/conferral.py``.
Where the local rule says so (`hr_approval` in workflows/conferral_rules.dmn, off by default), the county's
human resources and social security bureau (role `hr_bureau`) approves the list after the leading group.
"""
