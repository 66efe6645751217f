"""Projects: read (GET /projects, GET /projects/{projectId}) and write (POST /projects,
DELETE /projects/{projectId}, which also removes the project's tasks and comments)."""

import time

from records import answer, body, get, items, new_id, owner, path, public, table


def read(event, context):
    who = owner(event)
    if event["resource"] == "/projects":
        return answer(200, [public(p) for p in items(who, "project#")])
    project = get(who, f"project#{path(event, 'projectId')}")
    return (
        answer(404, {"message": "no such project"})
        if project is None
        else answer(200, public(project))
    )


def write(event, context):
    who = owner(event)
    if event["httpMethod"] == "POST":
        name = str(body(event).get("name", "")).strip()
        if not name:
            return answer(400, {"message": "a project needs a name"})
        project = {"id": new_id(), "name": name[:200], "created": int(time.time())}
        table.put_item(Item={"owner": who, "sk": f"project#{project['id']}", **project})
        return answer(201, project)
    project_id = path(event, "projectId")
    with table.batch_writer() as batch:
        for prefix in (f"comment#{project_id}#", f"task#{project_id}#"):
            for item in items(who, prefix):
                batch.delete_item(Key={"owner": who, "sk": item["sk"]})
        batch.delete_item(Key={"owner": who, "sk": f"project#{project_id}"})
    return answer(204)
