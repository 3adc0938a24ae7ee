"""HTTP routes under /v1/projects/: submit a project, read its plan."""

from __future__ import annotations

import asyncio
from typing import Any

from kernel.routes import Conflict, NotFound, Route, parse_json
from plugins.projects.models import Project, Stored


def routes(plugin: Any) -> list[Route]:
    """Submitting needs the ``cases`` grant, reading ``read``."""

    def create(project: Project) -> Stored:
        plan = plugin.plan(project)  # a project that cannot be planned is refused, not stored
        if not plugin.store.add(project.code, project.name, project.model_dump(mode="json")):
            raise Conflict(f"project {project.code} exists", "code", "exists")
        return Stored(id=project.code, plan=plan)

    def read(code: str) -> Stored:
        data = plugin.store.get(code)
        if data is None:
            raise NotFound(f"no project {code}", "id")
        return Stored(id=code, plan=plugin.plan(Project.model_validate(data)))

    async def post(request: Any) -> Stored:
        project = parse_json(await request.read(), Project)
        return await asyncio.to_thread(create, project)

    async def get(request: Any) -> Stored:
        return await asyncio.to_thread(read, request.match_info["id"])

    return [
        Route("POST", "/v1/projects", post, "cases",
              "Submit a construction project: its items by stage; answers its plan",
              Project, Stored, status=201, errors=(409,)),
        Route("GET", "/v1/projects/{id}", get, "read",
              "A project's approval chain: stages, steps, due dates, critical path, legal and "
              "committed totals, savings per reform rule", answer=Stored),
    ]
