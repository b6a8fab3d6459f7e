"""The API documentation page: the OpenAPI schema of drf-spectacular as plain data for a
server-rendered template (docs/adr/0004-api-docs-server-rendered.md).

Redoc and Swagger UI load scripts from a CDN and run inline scripts; the strict
Content-Security-Policy forbids both, and neither is needed to read a schema.
"""

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
REF_PREFIX = "#/components/schemas/"


def ref_name(ref: str) -> str:
    return ref.removeprefix(REF_PREFIX)


def describe_type(schema: dict | None) -> dict:
    """A schema as `{"text": "array of", "ref": "Building"}`: a text and an optional name
    of a component schema (the template links the name to its section)."""
    if not schema:
        return {"text": "", "ref": ""}
    if "$ref" in schema:
        return {"text": "", "ref": ref_name(schema["$ref"])}
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            parts = [describe_type(s) for s in schema[combinator]]
            if len(parts) == 1:
                return parts[0]
            names = [p["ref"] or p["text"] for p in parts]
            return {"text": " | ".join(n for n in names if n), "ref": ""}
    kind = schema.get("type", "")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if kind == "array":
        inner = describe_type(schema.get("items"))
        return {"text": f"array of {inner['text']}".strip(), "ref": inner["ref"]}
    text = kind or "object"
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("enum"):
        text += ": " + ", ".join(str(v) for v in schema["enum"] if v not in ("", None))
    if schema.get("nullable"):
        text += ", nullable"
    return {"text": text, "ref": ""}


def _parameters(operation: dict) -> list[dict]:
    return [
        {
            "name": p.get("name", ""),
            "location": p.get("in", ""),
            "required": bool(p.get("required")),
            "type": describe_type(p.get("schema")),
            "description": p.get("description", ""),
        }
        for p in operation.get("parameters", [])
    ]


def _bodies(content: dict) -> list[dict]:
    return [
        {"content_type": content_type, "type": describe_type(media.get("schema"))}
        for content_type, media in (content or {}).items()
    ]


def _operation(path: str, method: str, operation: dict) -> dict:
    return {
        "id": operation.get("operationId", f"{method}-{path}"),
        "method": method.upper(),
        "path": path,
        "summary": operation.get("summary", ""),
        "description": operation.get("description", ""),
        "deprecated": bool(operation.get("deprecated")),
        "parameters": _parameters(operation),
        "request_bodies": _bodies(operation.get("requestBody", {}).get("content", {})),
        "request_required": bool(operation.get("requestBody", {}).get("required")),
        "responses": [
            {
                "status": status,
                "description": response.get("description", ""),
                "bodies": _bodies(response.get("content", {})),
            }
            for status, response in operation.get("responses", {}).items()
        ],
        "security": [name for requirement in operation.get("security", []) for name in requirement],
    }


def _schemas(components: dict) -> list[dict]:
    result = []
    for name, schema in sorted(components.get("schemas", {}).items()):
        required = set(schema.get("required", []))
        result.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "type": describe_type({k: v for k, v in schema.items() if k != "properties"}),
                "properties": [
                    {
                        "name": prop_name,
                        "type": describe_type(prop),
                        "required": prop_name in required,
                        "read_only": bool(prop.get("readOnly")),
                        "description": prop.get("description", ""),
                    }
                    for prop_name, prop in schema.get("properties", {}).items()
                ],
            }
        )
    return result


def build_documentation(schema: dict) -> dict:
    """The schema regrouped for reading: operations by tag, then the component schemas."""
    sections: dict[str, list[dict]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["api"])[0]
                sections.setdefault(tag, []).append(_operation(path, method, operation))
    info = schema.get("info", {})
    return {
        "title": info.get("title", ""),
        "description": info.get("description", ""),
        "version": info.get("version", ""),
        "openapi": schema.get("openapi", ""),
        "sections": [{"tag": tag, "operations": ops} for tag, ops in sorted(sections.items())],
        "schemas": _schemas(schema.get("components", {})),
        "security_schemes": sorted(schema.get("components", {}).get("securitySchemes", {})),
    }


def api_documentation() -> dict:
    """Generate the schema in-process (as /api/schema/ does) and regroup it."""
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return build_documentation(schema)
