"""/projects (§10.1): CRUD, the resource set, and the embed/hosted widget views."""

from __future__ import annotations

from tkctl.emulator.call import Call
from tkctl.emulator.errors import not_found
from tkctl.emulator.handlers.listing import list_response
from tkctl.emulator.models import projects, resources
from tkctl.emulator.store import Store


def list_(call: Call):
    include = call.include
    return list_response(call, call.app.projects.values(), projects.SEARCHABLE,
                         lambda p: projects.render(call.app, p, include))


def create(call: Call):
    project = projects.create(call.app, call.json)
    return 201, {"data": projects.render(call.app, project, call.include)}


def get(call: Call):
    project = projects.get(call.app, call.params["id"])
    return 200, {"data": projects.render(call.app, project, call.include)}


def update(call: Call):
    projects.update(call.app, call.params["id"], call.json)
    return 204, None


def delete(call: Call):
    projects.delete(call.app, call.params["id"])
    return 204, None


def list_resources(call: Call):
    project = projects.get(call.app, call.params["id"])
    members = [call.app.resources[r] for r in project["resources"] if r in call.app.resources]
    include = call.include
    return list_response(call, members, resources.SEARCHABLE,
                         lambda r: resources.render(call.app, r, include), allow_meta=True)


def add_resource(call: Call):
    projects.add_resource(call.app, call.params["id"], call.json)
    return 204, None


def replace_resources(call: Call):
    projects.replace_resources(call.app, call.params["id"], call.body)
    return 204, None


def remove_resource(call: Call):
    projects.remove_resource(call.app, call.params["id"], call.params["resource_id"])
    return 204, None


def embed(call: Call):
    project = projects.get(call.app, call.params["id"], model=projects.WIDGET_MODEL)
    return 200, {"data": projects.render_embed(call.app, project)}


def hosted(call: Call):
    return 200, {"data": projects.render_embed(call.app, projects.by_slug(call.app, call.params["slug"]))}


def hosted_owner(store: Store, params: dict[str, str], caller: str | None) -> str:
    """Which app answers `GET /projects/hosted/:slug`: booking.js sends it without credentials
    when it only knows the slug, and takes `app_key` from the answer (§2)."""
    # assumed: timekit-api.md §2 (no auth; the caller's own app first, then every app in token order)
    slug = params["slug"]
    token = store.find(lambda app: slug in app.slugs, prefer=caller)
    if token is None:
        raise not_found(projects.WIDGET_MODEL)
    return token
