// Buckets: S3 ListBuckets, ListObjectsV2 by prefix ("folders" are common prefixes of
// delimiter "/"), upload with PutObject, download with GetObject.
import { s3 } from "../aws.js";
import { bytes, fill, h, link, section, table, time } from "../ui.js";

export async function render(body, [bucket, ...prefixParts]) {
  if (bucket) return renderBucket(body, bucket, prefixParts.join("/"));
  await fill(body, async () => table("Buckets", [
    ["Name", (b) => link(`#/buckets/${encodeURIComponent(b.name)}`, b.name)],
    ["Created", (b) => time(b.created)],
  ], await s3.listBuckets()));
}

function href(bucket, prefix) {
  return `#/buckets/${encodeURIComponent(bucket)}/${prefix.split("/").map(encodeURIComponent).join("/")}`;
}

async function renderBucket(body, bucket, prefix) {
  const listing = h("div");
  const file = h("input", { id: "upload-file", type: "file" });
  const status = h("p", { role: "status" });
  const crumbs = [link("#/buckets", "All buckets"), " / ", link(href(bucket, ""), bucket)];
  let walked = "";
  for (const part of prefix.split("/").filter(Boolean)) {
    walked += part + "/";
    crumbs.push(" / ", link(href(bucket, walked), part));
  }
  body.replaceChildren(
    h("p", {}, crumbs),
    section(`Upload to ${bucket}/${prefix}`, h("form", {
      class: "inline",
      onsubmit: async (event) => {
        event.preventDefault();
        const chosen = file.files[0];
        if (!chosen) { status.textContent = "Choose a file first."; return; }
        status.textContent = `Uploading ${chosen.name}…`;
        try {
          await s3.putObject(bucket, prefix + chosen.name, await chosen.arrayBuffer(), chosen.type);
          status.textContent = `Uploaded ${prefix + chosen.name}.`;
          await list(undefined);
        } catch (error) {
          status.textContent = error.message;
        }
      },
    }, h("label", { for: "upload-file" }, "File", file), h("button", { type: "submit" }, "Upload")), status),
    listing,
  );
  const list = (token) => fill(listing, async () => {
    const page = await s3.listObjects(bucket, prefix, token);
    return section(`Objects under ${bucket}/${prefix}`,
      table("Folders", [["Prefix", (p) => link(href(bucket, p), p.slice(prefix.length))]], page.prefixes, "none"),
      table("Objects", [
        ["Key", (o) => o.key.slice(prefix.length)],
        ["Size", (o) => bytes(o.size)],
        ["Modified", (o) => time(o.modified)],
        ["", (o) => h("button", {
          type: "button", class: "secondary", "aria-label": `Download ${o.key}`,
          onclick: () => download(bucket, o.key, status),
        }, "Download")],
      ], page.objects, "none"),
      page.next ? h("button", { type: "button", onclick: () => list(page.next) }, "Next page") : null);
  });
  await list(undefined);
}

async function download(bucket, key, status) {
  try {
    const blob = await s3.getObject(bucket, key);
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: key.split("/").pop() });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status.textContent = `Downloaded ${key} (${blob.size} bytes).`;
  } catch (error) {
    status.textContent = error.message;
  }
}
