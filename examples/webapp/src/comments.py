"""Comments on a task: read (GET /projects/{projectId}/tasks/{taskId}/comments) and write
(POST to it)."""

import time

from records import answer, body, get, items, new_id, owner, path, public, table


def read(event, context):
    who, project_id, task_id = owner(event), path(event, "projectId"), path(event, "taskId")
    if get(who, f"task#{project_id}#{task_id}") is None:
        return answer(404, {"message": "no such task"})
    return answer(200, [public(c) for c in items(who, f"comment#{project_id}#{task_id}#")])


def write(event, context):
    who, project_id, task_id = owner(event), path(event, "projectId"), path(event, "taskId")
    if get(who, f"task#{project_id}#{task_id}") is None:
        return answer(404, {"message": "no such task"})
    text = str(body(event).get("text", "")).strip()
    if not text:
        return answer(400, {"message": "a comment needs text"})
    comment = {"id": new_id(), "taskId": task_id, "text": text[:2000], "created": int(time.time())}
    sort_key = f"comment#{project_id}#{task_id}#{comment['id']}"
    table.put_item(Item={"owner": who, "sk": sort_key, **comment})
    return answer(201, comment)
