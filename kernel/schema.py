"""JSON Schemas for editors: rule files, with every action's parameters, and catalogues."""

from __future__ import annotations

from typing import Any

from kernel.actions import ActionRegistry
from kernel.rulebook import RuleFile


def rules_schema(actions: ActionRegistry | None = None) -> dict[str, Any]:
    """The schema editors use for completion; ``then`` lists each action by name."""
    actions = actions or ActionRegistry()
    schema = RuleFile.model_json_schema(by_alias=True)
    defs = schema.setdefault("$defs", {})
    options = []
    for name, (model, _, _) in sorted(actions.actions.items()):
        sub = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(sub.pop("$defs", {}))
        options.append({"type": "object", "additionalProperties": False, "required": [name],
                        "properties": {name: sub}})
    schema["$defs"]["RuleSpec"]["properties"]["then"]["items"] = {"oneOf": options}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "onetrip ruleset file"
    return schema


def catalogue_schema() -> dict[str, Any]:
    """The schema of a plugin's catalogue file, implementation-list fields included."""
    from kernel.catalogue import CatalogueFile

    schema = CatalogueFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "onetrip catalogue file"
    return schema
