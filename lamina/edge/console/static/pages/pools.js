// User pools: Cognito ListUserPools, ListUsers, ListGroups with their members, and the
// outbox of codes the pools would have e-mailed or texted (Lamina sends no mail).
import { cognito } from "../aws.js";
import { facts, fill, h, section, table, time } from "../ui.js";

function attribute(user, name) {
  return (user.Attributes || []).find((a) => a.Name === name)?.Value || "";
}

export async function render(body) {
  const pools = h("div"), outbox = h("div");
  body.replaceChildren(pools, outbox);
  await Promise.all([fill(pools, userPools), fill(outbox, outboxMessages)]);
}

async function userPools() {
  const list = (await cognito("ListUserPools", { MaxResults: 60 })).UserPools || [];
  if (!list.length) return h("p", { class: "empty" }, "No user pools.");
  return Promise.all(list.map(async (pool) => {
    const [users, groups] = await Promise.all([
      cognito("ListUsers", { UserPoolId: pool.Id, Limit: 60 }),
      cognito("ListGroups", { UserPoolId: pool.Id, Limit: 60 }),
    ]);
    const members = await Promise.all((groups.Groups || []).map(async (g) => ({
      ...g, users: (await cognito("ListUsersInGroup", { UserPoolId: pool.Id, GroupName: g.GroupName, Limit: 60 })).Users || [],
    })));
    return section(`User pool ${pool.Name} (${pool.Id})`,
      facts([["Created", time(pool.CreationDate)], ["Last modified", time(pool.LastModifiedDate)]]),
      table("Users", [
        ["Username", (u) => u.Username], ["Email", (u) => attribute(u, "email")],
        ["Status", (u) => u.UserStatus], ["Enabled", (u) => (u.Enabled ? "yes" : "no")],
        ["Created", (u) => time(u.UserCreateDate)],
      ], users.Users || []),
      table("Groups", [
        ["Group", (g) => g.GroupName], ["Description", (g) => g.Description || ""],
        ["Members", (g) => g.users.map((u) => attribute(u, "email") || u.Username).join(", ")],
      ], members));
  }));
}

async function outboxMessages() {
  // Lamina's own endpoint: the codes its pools "sent" (no AWS API exists for this).
  const response = await fetch("/_lamina/cognito/outbox", { credentials: "omit", cache: "no-store" });
  const messages = response.ok ? (await response.json()).messages : [];
  return section("Outbox (confirmation codes)", table("Messages, newest last", [
    ["To", (m) => m.destination], ["User", (m) => m.username], ["By", (m) => m.medium],
    ["Code", (m) => h("code", {}, m.code)], ["Pool", (m) => m.userPoolId],
  ], messages, "nothing sent"));
}
