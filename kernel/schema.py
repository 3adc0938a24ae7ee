"""JSON Schemas for editors: rule files, with every action's parameters, and catalogues."""

from __future__ import annotations

from typing import Any

from kernel.actions import ActionRegistry
from kernel.facts import FactRegistry
from kernel.rulebook import OwnRulebook, RuleFile


def rules_schema(actions: ActionRegistry | None = None, facts: FactRegistry | None = None,
                 own: list[OwnRulebook] = ()) -> dict[str, Any]:
    """The schema editors use for completion: ``then`` lists every action by name (the
    kernel's, plugins' and those of plugins' own rulebooks), ``fact`` every fact name with
    its type, description and provider."""
    actions = actions or ActionRegistry()
    schema = RuleFile.model_json_schema(by_alias=True)
    defs = schema.setdefault("$defs", {})
    options = []
    every = [actions, *(book.actions for book in own)]
    for name, (model, _, owner) in sorted({k: v for a in every
                                           for k, v in a.actions.items()}.items()):
        sub = model.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
        defs.update(sub.pop("$defs", {}))
        sub["description"] = (sub.get("description") or name) + f" (action of {owner})"
        options.append({"type": "object", "additionalProperties": False, "required": [name],
                        "properties": {name: sub}})
    schema["$defs"]["RuleSpec"]["properties"]["then"]["items"] = {"oneOf": options}
    specs = {n: s for f in [*(facts and [facts] or []), *(b.facts for b in own)]
             for n, s in f.specs.items()}
    if specs:
        names = sorted(specs)
        defs["Leaf"]["properties"]["fact"] = {
            "type": "string", "enum": names, "title": "Fact",
            "description": "a declared fact (`onetrip facts` lists them)",
            "enumDescriptions": [_fact_text(specs[n]) for n in names]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "onetrip ruleset file"
    return schema


def fact_rows(facts: FactRegistry, own: list[OwnRulebook] = ()) -> list[dict[str, Any]]:
    """Every fact rules may name: name, type, description, the plugin that provides it,
    whether applicants supply it, and the rulebook it is for (``cases``, or a plugin's)."""
    return [{"name": spec.name, "type": spec.type, "description": spec.description,
             "plugin": spec.owner, "applicant": spec.applicant, "rulebook": book}
            for book, registry in [("cases", facts), *((b.name, b.facts) for b in own)]
            for spec in sorted(registry.specs.values(), key=lambda f: f.name)]


def _fact_text(spec: Any) -> str:
    by = "the kernel" if spec.owner == "kernel" else f"plugin {spec.owner}"
    supplied = "; the applicant may supply it" if spec.applicant else ""
    return f"{spec.type}: {spec.description} ({by}{supplied})"


def catalogue_schema() -> dict[str, Any]:
    """The schema of a plugin's catalogue file, implementation-list fields included."""
    from kernel.catalogue import CatalogueFile

    schema = CatalogueFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "onetrip catalogue file"
    return schema
