"""Render an Amazon States Language template the way Terraform's ``templatefile`` does.

The ``statemachines/*.asl.json`` files hold ``${name}`` placeholders inside JSON strings
(docs/topology.md, "ASL placeholders"); Terraform fills them in on AWS, and the local cloud
and the tests fill them in here. Only plain ``${name}`` interpolation is supported: an
expression or a ``%{`` directive would mean something to Terraform that this renderer
cannot reproduce, so it is an error rather than a silent difference. ``$${`` is Terraform's
escape for a literal ``${``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

# `$${...}` (escaped) or `${...}`; group 1 is the escaping `$`, group 2 the inside.
_INTERPOLATION = re.compile(r"(\$?)\$\{([^}]*)\}")
_DIRECTIVE = re.compile(r"(?<!%)%\{")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class AslTemplateError(ValueError):
    """The template or the variables given for it do not fit together."""


def asl_placeholders(template: str, source: str = "<template>") -> set[str]:
    """The ``${name}`` placeholder names in ``template`` (escaped ``$${`` excluded)."""
    names: set[str] = set()
    for line_number, line in enumerate(template.splitlines(), start=1):
        if _DIRECTIVE.search(line):
            raise AslTemplateError(
                f"{source}:{line_number}: '%{{' starts a Terraform template directive; "
                "write '%%{' for a literal '%{'"
            )
        for escape, inside in _INTERPOLATION.findall(line):
            if escape:
                continue
            if not _NAME.fullmatch(inside):
                raise AslTemplateError(
                    f"{source}:{line_number}: '${{{inside}}}' is not a plain variable name; "
                    "only ${name} placeholders are supported (write '$${' for a literal '${')"
                )
            names.add(inside)
    return names


def render_asl(path: Path, variables: Mapping[str, str]) -> str:
    """The definition in ``path`` with every ``${name}`` replaced by ``variables[name]``.

    Raises ``AslTemplateError`` when a placeholder has no value, when a variable names no
    placeholder (a misspelt name would otherwise go unnoticed), or when the result is not
    valid JSON (a value that breaks out of its JSON string).
    """
    template = path.read_text(encoding="utf-8")
    expected = asl_placeholders(template, source=str(path))
    missing = sorted(expected - variables.keys())
    unknown = sorted(variables.keys() - expected)
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"no value for {', '.join(missing)}")
        if unknown:
            problems.append(f"no placeholder for {', '.join(unknown)}")
        raise AslTemplateError(
            f"{path}: {'; '.join(problems)} (placeholders: {', '.join(sorted(expected))})"
        )

    def substitute(match: re.Match[str]) -> str:
        escape, inside = match.group(1), match.group(2)
        return f"${{{inside}}}" if escape else variables[inside]

    rendered = _INTERPOLATION.sub(substitute, template)
    try:
        json.loads(rendered)
    except json.JSONDecodeError as error:
        raise AslTemplateError(
            f"{path}: the rendered definition is not valid JSON at line {error.lineno}, "
            f"column {error.colno}: {error.msg} (does a variable value contain a quote?)"
        ) from error
    return rendered
