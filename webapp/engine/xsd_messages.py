"""Raw XML-schema and namespace messages turned into sentences in the reader's language.

libxml2 reports a duplicate id as "… is not a valid value of the atomic type 'xs:ID'" and a file
without the BPMN namespace as "No matching global declaration available for the validation root".
Administrators read these on /admin/processes and in `make check-files`; here they become
sentences naming the element and the line (and, for a duplicate, where the id was first used).
The messages are lazy: they are put into words in the language of whoever reads them.
Messages not recognised are returned as they were.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext
from lxml import etree

BPMN_NAMESPACE = "http://www.omg.org/spec/BPMN/20100524/MODEL"
KNOWN_PREFIXES = {
    "bpmn": BPMN_NAMESPACE,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}

_ID_VALUE = re.compile(r"^Element '([^']+)', attribute '([^']+)': '([^']*)' is not a valid value of the atomic type 'xs:ID'")
_NO_ROOT = re.compile(r"^Element '([^']+)': No matching global declaration available for the validation root")
_UNEXPECTED = re.compile(r"^Element '([^']+)': This element is not expected")
_MISSING_ATTRIBUTE = re.compile(r"^Element '([^']+)': The attribute '([^']+)' is required but missing")
_UNDECLARED_PREFIX = re.compile(r"Namespace prefix (\S+) (?:on|for) (\S+) (?:on \S+ )?is not defined")


def describe_schema_error(message: str, tree: etree._ElementTree | None, line: int | None):
    """The sentence for a schema validation message at `line` of `tree` (or the message itself)."""
    if found := _ID_VALUE.match(message):
        element, attribute, value = found.groups()
        first = _first_use(tree, attribute, value, line)
        if first is not None:
            return lazy_gettext(
                "The element %(element)s on line %(line)s has the id “%(id)s”, which the element on line "
                "%(first)s already has. Every id in a file must be unique: rename one of them.",
                line=line or "?", element=element, id=value, first=first)
        return lazy_gettext(
            "The element %(element)s on line %(line)s has the id “%(id)s”, which is not a valid id: an id "
            "starts with a letter or “_” and holds only letters, digits, “_”, “-” and “.”, without spaces.",
            line=line or "?", element=element, id=value)
    if found := _NO_ROOT.match(message):
        return lazy_gettext(
            "The root element “%(element)s” on line %(line)s is not in the BPMN namespace, so nothing in "
            "the file is recognised. Declare it, e.g. <bpmn:definitions xmlns:bpmn=\"%(namespace)s\">.",
            line=line or "?", element=found.group(1), namespace=BPMN_NAMESPACE)
    if found := _UNEXPECTED.match(message):
        return lazy_gettext(
            "The element %(element)s on line %(line)s is not allowed at this place by the BPMN schema. "
            "Check its spelling and its parent element.", line=line or "?", element=found.group(1))
    if found := _MISSING_ATTRIBUTE.match(message):
        return lazy_gettext(
            "The element %(element)s on line %(line)s needs the attribute “%(attribute)s”.",
            line=line or "?", element=found.group(1), attribute=found.group(2))
    return message


def describe_syntax_error(message: str, line: int | None):
    """The sentence for an XML parser message at `line` (an undeclared prefix), or None."""
    found = _UNDECLARED_PREFIX.search(message)
    if not found:
        return None
    prefix, element = found.groups()
    namespace = KNOWN_PREFIXES.get(prefix)
    if namespace:
        return lazy_gettext(
            "The element “%(element)s” on line %(line)s uses the namespace prefix “%(prefix)s”, which is "
            "not declared. Add xmlns:%(prefix)s=\"%(namespace)s\" to the root element.",
            line=line or "?", prefix=prefix, element=element, namespace=namespace)
    return lazy_gettext(
        "The element “%(element)s” on line %(line)s uses the namespace prefix “%(prefix)s”, which is "
        "not declared. Declare it with xmlns:%(prefix)s=\"…\" on the root element.",
        line=line or "?", prefix=prefix, element=element)


def _first_use(tree: etree._ElementTree | None, attribute: str, value: str, line: int | None) -> int | None:
    """The line of the first other element whose `attribute` is `value` (a duplicate's original)."""
    if tree is None:
        return None
    for element in tree.iter():
        if isinstance(element.tag, str) and element.get(attribute) == value and element.sourceline != line:
            return element.sourceline
    return None
