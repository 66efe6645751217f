import { useEffect, useState } from "react";

// Projects, the selected project's tasks, and the selected task's comments: each list
// is one GET of the API, each form one POST.

function useList(api, path) {
  const [items, setItems] = useState([]);
  const reload = () => {
    if (path) api("GET", path).then(setItems, () => {});
  };
  useEffect(() => {
    setItems([]);
    reload();
  }, [path]); // eslint-disable-line react-hooks/exhaustive-deps
  return [items, reload];
}

function AddForm({ label, button, onAdd }) {
  const [text, setText] = useState("");
  const submit = async (event) => {
    event.preventDefault();
    if (!text.trim()) return;
    try {
      await onAdd(text.trim());
      setText("");
    } catch {
      // api() has said what went wrong
    }
  };
  return (
    <form className="add" onSubmit={submit}>
      <label>
        {label}
        <input value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit">{button}</button>
    </form>
  );
}

export default function Projects({ api }) {
  const [projects, reloadProjects] = useList(api, "/projects");
  const [projectId, setProjectId] = useState(null);
  const project = projects.find((p) => p.id === projectId);

  const add = async (name) => {
    const created = await api("POST", "/projects", { name });
    reloadProjects();
    setProjectId(created.id);
  };
  const remove = async (id) => {
    await api("DELETE", `/projects/${id}`);
    if (id === projectId) setProjectId(null);
    reloadProjects();
  };

  return (
    <div className="columns">
      <section aria-label="Projects panel">
        <h2>Projects</h2>
        <ul aria-label="Projects">
          {projects.map((p) => (
            <li key={p.id} className={p.id === projectId ? "selected" : ""}>
              <button type="button" className="link" onClick={() => setProjectId(p.id)}>
                {p.name}
              </button>
              <button type="button" aria-label={`Delete project "${p.name}"`} onClick={() => remove(p.id)}>
                ✕
              </button>
            </li>
          ))}
        </ul>
        <AddForm label="New project" button="Add project" onAdd={add} />
      </section>
      {project && <Tasks key={project.id} api={api} project={project} />}
    </div>
  );
}

function Tasks({ api, project }) {
  const base = `/projects/${project.id}/tasks`;
  const [tasks, reload] = useList(api, base);
  const [taskId, setTaskId] = useState(null);
  const task = tasks.find((t) => t.id === taskId);

  const add = async (title) => {
    await api("POST", base, { title });
    reload();
  };
  const toggle = async (t) => {
    await api("PATCH", `${base}/${t.id}`, { done: !t.done });
    reload();
  };

  return (
    <>
      <section aria-label="Tasks panel">
        <h2>Tasks of {project.name}</h2>
        <ul aria-label="Tasks">
          {tasks.map((t) => (
            <li key={t.id} className={t.id === taskId ? "selected" : ""}>
              <input
                type="checkbox"
                aria-label={`Done: ${t.title}`}
                checked={t.done}
                onChange={() => toggle(t)}
              />
              <button type="button" className={`link${t.done ? " done" : ""}`} onClick={() => setTaskId(t.id)}>
                {t.title}
              </button>
            </li>
          ))}
        </ul>
        <AddForm label="New task" button="Add task" onAdd={add} />
      </section>
      {task && <Comments key={task.id} api={api} path={`${base}/${task.id}/comments`} task={task} />}
    </>
  );
}

function Comments({ api, path, task }) {
  const [comments, reload] = useList(api, path);
  const add = async (text) => {
    await api("POST", path, { text });
    reload();
  };
  return (
    <section aria-label="Comments panel">
      <h2>Comments on {task.title}</h2>
      <ul aria-label="Comments">
        {comments.map((c) => (
          <li key={c.id}>{c.text}</li>
        ))}
      </ul>
      <AddForm label="New comment" button="Comment" onAdd={add} />
    </section>
  );
}
