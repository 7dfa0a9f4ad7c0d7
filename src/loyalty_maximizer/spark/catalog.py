"""The extracted-facts dataset in the Glue Data Catalog, so curators can query what the
pipeline extracted with Athena (one JSON object per line under ``extracted-facts/``).

The table's columns are every field of every fact record, typed from the facts models'
JSON Schema; a record simply leaves the columns of other types empty.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from loyalty_maximizer.facts.models import FACT_ADAPTER

_SCALARS = {"string": "string", "integer": "bigint", "number": "double", "boolean": "boolean"}


def _glue_type(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in spec:
        return _glue_type(defs[spec["$ref"].rsplit("/", 1)[-1]], defs)
    options = [o for o in spec.get("anyOf", spec.get("oneOf", [spec])) if o.get("type") != "null"]
    if len(options) > 1:
        resolved = [o if "$ref" not in o else defs[o["$ref"].rsplit("/", 1)[-1]] for o in options]
        if all(o.get("type") == "object" for o in resolved):
            # Alternatives of one list (a threshold or an allOf): one struct with every field.
            merged: dict[str, Any] = {}
            for option in resolved:
                merged.update(option.get("properties", {}))
            return _glue_type({"type": "object", "properties": merged}, defs)
        return "string"
    option = options[0] if options else {"type": "string"}
    if "$ref" in option:
        return _glue_type(option, defs)
    kind = option.get("type")
    if kind == "array":
        return f"array<{_glue_type(option.get('items', {}), defs)}>"
    if kind == "object":
        fields = ",".join(
            f"{name}:{_glue_type(field, defs)}"
            for name, field in option.get("properties", {}).items()
        )
        return f"struct<{fields}>" if fields else "string"
    return _SCALARS.get(str(kind), "string")


@cache
def facts_columns() -> dict[str, str]:
    """Glue column types for the union of every fact record's fields."""
    schema = FACT_ADAPTER.json_schema(by_alias=True)
    defs: dict[str, Any] = schema.get("$defs", {})
    columns: dict[str, str] = {"type": "string"}
    for reference in schema["discriminator"]["mapping"].values():
        record = defs[reference.rsplit("/", 1)[-1]]
        for name, spec in record["properties"].items():
            if name == "type":
                continue
            kind = _glue_type(spec, defs)
            # The same name with two meanings in two records is read as text.
            columns[name] = kind if columns.get(name, kind) == kind else "string"
    return dict(sorted(columns.items()))


def register_extracted_facts(
    *, database: str, table: str, location: str, boto3_session: Any
) -> dict[str, Any]:
    """Create or update the database and the JSON table over ``location`` (an S3 prefix)."""
    import awswrangler as wr  # heavy (pandas, pyarrow): only when registering

    wr.catalog.create_database(name=database, exist_ok=True, boto3_session=boto3_session)
    columns = facts_columns()
    wr.catalog.create_json_table(
        database=database,
        table=table,
        path=location,
        columns_types=columns,
        mode="overwrite",
        description="Loyalty facts extracted from curated documents (facts contract v1)",
        boto3_session=boto3_session,
    )
    return {"database": database, "table": table, "location": location, "columns": len(columns)}
