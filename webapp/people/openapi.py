"""The OpenAPI 3.0 document of the JSON API (served at /api/v1/openapi.json)."""
from __future__ import annotations


def _list_of(name: str) -> dict:
    return {"type": "object", "required": ["items", "total", "limit", "offset"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
        "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}}}


PAGING = [
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
    {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0, "maximum": 10000000, "default": 0}},
]
ERRORS = {"400": {"description": "Bad parameters", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "401": {"description": "No valid token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
NOT_FOUND = {"404": {"description": "Not found or out of scope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}


def _ok(schema: str, description: str) -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}}


def _get(summary: str, schema: str, params: list | None = None, not_found: bool = False) -> dict:
    responses = {**_ok(schema, summary), **ERRORS, **(NOT_FOUND if not_found else {})}
    return {"get": {"summary": summary, "parameters": params or [], "responses": responses, "security": [{"token": []}]}}


ID = lambda name: {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
NULLABLE_STRING = {"type": "string", "nullable": True}


def document(server: str) -> dict:
    """The whole document."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "骨干教师流程管理系统 API · Backbone-teacher workflow API", "version": "1.0.0",
                 "description": "Read-only. Each user creates tokens on their account page; the API shows what the "
                                "pages show that user. Out of scope is 404."},
        "servers": [{"url": f"{server}/api/v1"}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Me": {"type": "object", "required": ["id", "username", "display_name", "roles"], "properties": {
                    "id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"},
                    "roles": {"type": "array", "items": {"type": "object", "required": ["role", "org_id"], "properties": {
                        "role": {"type": "string"}, "org_id": {"type": "integer"}}}}}},
                "Organisation": {"type": "object", "required": ["id", "kind", "name", "code", "parent_id", "active"], "properties": {
                    "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["province", "city", "county", "school"]},
                    "name": {"type": "string"}, "code": {"type": "string"}, "parent_id": {"type": "integer", "nullable": True},
                    "active": {"type": "boolean"}, "is_rural": {"type": "boolean"}, "teacher_headcount": {"type": "integer"}}},
                "Title": {"type": "object", "required": ["id", "user_id", "level", "category", "valid_from", "valid_until", "active"], "properties": {
                    "id": {"type": "integer"}, "user_id": {"type": "integer"}, "level": {"type": "string"},
                    "category": {"type": "string"}, "certificate_no": NULLABLE_STRING,
                    "valid_from": {"type": "string", "format": "date"}, "valid_until": {"type": "string", "format": "date"},
                    "active": {"type": "boolean"}}},
                "Task": {"type": "object", "required": ["id", "instance_id", "process_id", "step", "title", "role", "org_id"], "properties": {
                    "id": {"type": "integer"}, "instance_id": {"type": "integer"}, "process_id": {"type": "string"},
                    "step": {"type": "string"}, "title": {"type": "string"}, "title_en": NULLABLE_STRING,
                    "subject": NULLABLE_STRING, "role": {"type": "string"}, "org_id": {"type": "integer"},
                    "assigned_to_me": {"type": "boolean"}, "due": NULLABLE_STRING}},
                "Instance": {"type": "object", "required": ["id", "process_id", "status", "title", "org_id"], "properties": {
                    "id": {"type": "integer"}, "process_id": {"type": "string"}, "status": {"type": "string"},
                    "title": {"type": "string"}, "title_en": NULLABLE_STRING, "org_id": {"type": "integer"},
                    "subject_user_id": {"type": "integer", "nullable": True}, "created": {"type": "string"},
                    "completed": NULLABLE_STRING}},
                "OrganisationList": _list_of("Organisation"), "TitleList": _list_of("Title"),
                "TaskList": _list_of("Task"), "InstanceList": _list_of("Instance"),
            },
        },
        "paths": {
            "/me": _get("The token's user", "Me"),
            "/organisations": _get("Organisations in scope", "OrganisationList", PAGING),
            "/organisations/{org_id}": _get("One organisation", "Organisation", [ID("org_id")], not_found=True),
            "/titles": _get("Title holdings in scope", "TitleList", PAGING),
            "/inbox": _get("Open steps for the user", "TaskList", PAGING),
            "/instances": _get("Processes in scope", "InstanceList", PAGING + [
                {"name": "status", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["running", "completed", "cancelled", "error"]}}]),
            "/instances/{instance_id}": _get("One process", "Instance", [ID("instance_id")], not_found=True),
        },
    }
