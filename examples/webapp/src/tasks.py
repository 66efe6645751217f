"""Tasks of a project: read (GET /projects/{projectId}/tasks) and write (POST to it,
PATCH and DELETE /projects/{projectId}/tasks/{taskId})."""

import time

from records import answer, body, get, items, new_id, owner, path, public, table


def read(event, context):
    who, project_id = owner(event), path(event, "projectId")
    if get(who, f"project#{project_id}") is None:
        return answer(404, {"message": "no such project"})
    return answer(200, [public(t) for t in items(who, f"task#{project_id}#")])


def write(event, context):
    who, project_id, method = owner(event), path(event, "projectId"), event["httpMethod"]
    if method == "POST":
        if get(who, f"project#{project_id}") is None:
            return answer(404, {"message": "no such project"})
        title = str(body(event).get("title", "")).strip()
        if not title:
            return answer(400, {"message": "a task needs a title"})
        task = {"id": new_id(), "projectId": project_id, "title": title[:200], "done": False}
        task["created"] = int(time.time())
        table.put_item(Item={"owner": who, "sk": f"task#{project_id}#{task['id']}", **task})
        return answer(201, task)
    key = f"task#{project_id}#{path(event, 'taskId')}"
    task = get(who, key)
    if task is None:
        return answer(404, {"message": "no such task"})
    if method == "DELETE":
        with table.batch_writer() as batch:
            for comment in items(who, f"comment#{project_id}#{task['id']}#"):
                batch.delete_item(Key={"owner": who, "sk": comment["sk"]})
            batch.delete_item(Key={"owner": who, "sk": key})
        return answer(204)
    done = body(event).get("done")
    if not isinstance(done, bool):
        return answer(400, {"message": 'PATCH a task with {"done": true|false}'})
    task["done"] = done
    table.put_item(Item=task)
    return answer(200, public(task))
