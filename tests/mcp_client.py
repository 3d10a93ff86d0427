"""Drives Folio's MCP server with the official Python SDK (`mcp`), a client
Folio did not write, for tests/mcp.rs.

    python mcp_client.py http URL TOKEN   < steps.json
    python mcp_client.py stdio FOLIO_BIN  < steps.json   (FOLIO_MCP_TOKEN etc. from the environment)

TOKEN may be empty (no Authorization header). The steps are a JSON list, run in
order on one connection:

    {"op": "list_tools"}
    {"op": "call", "tool": NAME, "args": {...}}
    {"op": "list_resources"}
    {"op": "read_resource", "uri": URI}

An argument string "$N.a.b" is replaced by field a.b of step N's result (from
0), so a step can pass on what an earlier one returned (a consistency token).

Prints one JSON object: {"results": [...]}, one result per step, or
{"connect_error": "..."} when the connection (the handshake) is refused. A
tool list also says which input or output schemas are not valid JSON Schema
(`schema_errors`), as checked by the `jsonschema` package's meta-schemas.
"""

import asyncio
import json
import os
import sys

import jsonschema
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def schema_errors(name, kind, schema):
    if schema is None:
        return []
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
        return []
    except jsonschema.exceptions.SchemaError as error:
        return [f"{name} {kind}: {error.message}"]


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def resolve(value, results):
    if isinstance(value, str) and value.startswith("$") and "." in value:
        index, *path = value[1:].split(".")
        found = results[int(index)]
        for key in path:
            found = found[key]
        return found
    if isinstance(value, dict):
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    return value


async def run_step(client, step, results):
    op = step["op"]
    if op == "list_tools":
        listed = await client.list_tools()
        tools, errors = [], []
        for tool in listed.tools:
            tools.append(dump(tool))
            errors += schema_errors(tool.name, "inputSchema", tool.input_schema)
            errors += schema_errors(tool.name, "outputSchema", tool.output_schema)
        return {"tools": tools, "schema_errors": errors}
    if op == "call":
        result = await client.call_tool(step["tool"], resolve(step.get("args", {}), results))
        return {
            "is_error": bool(result.is_error),
            "structured": result.structured_content,
            "text": "".join(getattr(c, "text", "") for c in result.content),
        }
    if op == "list_resources":
        listed = await client.list_resources()
        return {"resources": [dump(r) for r in listed.resources]}
    if op == "read_resource":
        read = await client.read_resource(step["uri"])
        return {"contents": [dump(c) for c in read.contents]}
    raise ValueError(f"unknown step {op}")


def describe(error):
    """An exception group's leaves in one line (anyio wraps transport errors)."""
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(describe(e) for e in error.exceptions)
    return f"{type(error).__name__}: {error}"


async def main():
    mode, target = sys.argv[1], sys.argv[2]
    steps = json.load(sys.stdin)
    if mode == "http":
        token = sys.argv[3]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        server = streamable_http_client(target, http_client=create_mcp_http_client(headers=headers))
    else:
        server = StdioServerParameters(command=target, args=["mcp"], env=dict(os.environ))
    client = Client(server, cache=None, read_timeout_seconds=30)
    try:
        await client.__aenter__()
    except BaseException as error:  # the SDK raises transport errors as groups
        print(json.dumps({"connect_error": describe(error)}))
        return
    try:
        results = []
        for step in steps:
            results.append(await run_step(client, step, results))
    finally:
        await client.__aexit__(None, None, None)
    print(json.dumps({"results": results}))


asyncio.run(main())
