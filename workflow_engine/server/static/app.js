// The wf web UI: hash routes over the Argo-compatible API of `wf server`.
//   #/                          workflow list (phase and label filters)
//   #/workflows/NS/NAME         graph (live, server-sent events), node panel, actions
//   #/templates                 workflow templates; #/submit/KIND/NAME: parameter form
//   #/cron                      cron workflows
// No framework and no build step: DOM calls, SVG for the graph, fetch for data.
"use strict";

const PHASES = ["Pending", "Running", "Succeeded", "Failed", "Error"];
const state = {
  ns: localStorage.getItem("wf.namespace") || "default",
  token: localStorage.getItem("wf.token") || "",
  stop: [], // cancels what the current view started (timers, streams)
};

// -- helpers --------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svgEl(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

function authHeaders(extra) {
  const headers = Object.assign({}, extra || {});
  if (state.token) headers.Authorization = "Bearer " + state.token;
  return headers;
}

async function api(path, options) {
  const opts = options || {};
  const init = { method: opts.method || "GET", headers: authHeaders(), signal: opts.signal };
  if (opts.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(opts.body);
  }
  const response = await fetch(path, init);
  if (response.status === 401) askToken();
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || response.statusText);
  return data;
}

// Lines of a streamed response (NDJSON logs, server-sent events), with the token.
async function streamLines(path, onLine, signal) {
  const response = await fetch(path, { headers: authHeaders(), signal });
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).message || response.statusText);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 1);
    }
  }
  if (buffer) onLine(buffer);
}

function showError(error) {
  const box = document.getElementById("error");
  if (!error || error.name === "AbortError") {
    box.hidden = true;
    return;
  }
  box.textContent = error.message || String(error);
  box.hidden = false;
}

function badge(phase) {
  return el("span", { class: "badge phase-" + (phase || "Pending") }, phase || "Pending");
}

function age(stamp) {
  if (!stamp) return "";
  const seconds = Math.max(0, (Date.now() - Date.parse(stamp)) / 1000);
  return span(seconds);
}

function span(seconds) {
  if (seconds < 60) return Math.round(seconds) + "s";
  if (seconds < 3600) return Math.floor(seconds / 60) + "m" + Math.round(seconds % 60) + "s";
  if (seconds < 86400) return Math.floor(seconds / 3600) + "h" + Math.floor((seconds % 3600) / 60) + "m";
  return Math.floor(seconds / 86400) + "d";
}

function duration(status) {
  if (!status || !status.startedAt) return "";
  const end = status.finishedAt ? Date.parse(status.finishedAt) : Date.now();
  return span((end - Date.parse(status.startedAt)) / 1000);
}

function askToken() {
  const dialog = document.getElementById("token-dialog");
  if (!dialog.open) dialog.showModal();
}

function every(ms, fn) {
  fn();
  const timer = setInterval(fn, ms);
  state.stop.push(() => clearInterval(timer));
}

function abortable() {
  const controller = new AbortController();
  state.stop.push(() => controller.abort());
  return controller.signal;
}

// -- workflow list ----------------------------------------------------------------------

const LIST_FIELDS = [
  "metadata.continue", "items.metadata.name", "items.metadata.namespace",
  "items.metadata.creationTimestamp", "items.metadata.labels", "items.status.phase",
  "items.status.startedAt", "items.status.finishedAt", "items.status.progress",
].join(",");

function workflowList(main) {
  const phase = el("select", { id: "phase-filter" }, el("option", { value: "" }, "all phases"),
    PHASES.map((p) => el("option", { value: p }, p)));
  const labels = el("input", { id: "label-filter", placeholder: "label selector, e.g. app=web", size: 30 });
  const body = el("tbody");
  const table = el("table", { id: "workflows" },
    el("thead", {}, el("tr", {}, ["Name", "Phase", "Age", "Duration", "Progress", "Labels"].map((h) => el("th", {}, h)))),
    body);
  main.append(el("div", { class: "filters" }, phase, labels), table);
  const signal = abortable();
  const refresh = async () => {
    const query = new URLSearchParams({ fields: LIST_FIELDS });
    if (labels.value.trim()) query.set("listOptions.labelSelector", labels.value.trim());
    try {
      const data = await api(`/api/v1/workflows/${encodeURIComponent(state.ns)}?${query}`, { signal });
      const items = (data.items || []).filter((w) => !phase.value || (w.status || {}).phase === phase.value);
      body.replaceChildren(...items.map(workflowRow));
      showError(null);
    } catch (error) {
      if (!signal.aborted) showError(error);
    }
  };
  phase.addEventListener("change", refresh);
  labels.addEventListener("change", refresh);
  every(3000, refresh);
}

function workflowRow(wf) {
  const meta = wf.metadata;
  const status = wf.status || {};
  const labels = Object.entries(meta.labels || {}).filter(([k]) => !k.startsWith("workflows.argoproj.io/"));
  return el("tr", { class: "row", "data-name": meta.name, onclick: () => go(`#/workflows/${meta.namespace}/${meta.name}`) },
    el("td", {}, meta.name), el("td", {}, badge(status.phase)), el("td", {}, age(meta.creationTimestamp)),
    el("td", {}, duration(status)), el("td", { class: "progress" }, status.progress || ""),
    el("td", { class: "muted" }, labels.map(([k, v]) => `${k}=${v}`).join(", ")));
}

// -- workflow detail ----------------------------------------------------------------------

function workflowDetail(main, ns, name) {
  const header = el("div", { id: "summary" });
  const graphBox = el("div", { class: "graph", id: "graph" });
  const panel = el("div", { class: "panel", id: "node-panel" }, el("p", { class: "muted" }, "Click a node."));
  const view = { selected: null, graph: null, ns, name, panel };
  const verb = (v, label) => el("button", { type: "button", "data-action": v, onclick: () => act(view, v) }, label);
  main.append(header,
    el("div", { class: "toolbar" }, verb("retry", "Retry"), verb("resubmit", "Resubmit"), verb("suspend", "Suspend"),
      verb("resume", "Resume"), verb("stop", "Stop"), verb("terminate", "Terminate"), verb("delete", "Delete")),
    el("div", { class: "detail" }, graphBox, panel));
  const render = (graph) => {
    view.graph = graph;
    header.replaceChildren(el("h2", {}, graph.name, " ", badge(graph.phase)),
      el("p", { class: "muted" }, `progress ${graph.progress} · started ${age(graph.startedAt)} ago · duration ${duration(graph)}`,
        graph.message ? ` · ${graph.message}` : ""));
    drawGraph(graphBox, graph, view);
  };
  const signal = abortable();
  streamLines(`/api/v1/ui/watch/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`, (line) => {
    if (line.startsWith("data: ")) {
      const graph = JSON.parse(line.slice(6));
      if (graph.nodes) render(graph);
    }
  }, signal).catch(showError);
}

async function act(view, verb) {
  const base = `/api/v1/workflows/${encodeURIComponent(view.ns)}/${encodeURIComponent(view.name)}`;
  try {
    if (verb === "delete") {
      await api(base, { method: "DELETE" });
      go("#/");
      return;
    }
    const result = await api(`${base}/${verb}`, { method: "PUT", body: {} });
    showError(null);
    if (verb === "resubmit") go(`#/workflows/${result.metadata.namespace}/${result.metadata.name}`);
  } catch (error) {
    showError(error);
  }
}

function drawGraph(box, graph, view) {
  const svg = svgEl("svg", { width: graph.width, height: graph.height, id: "graph-svg" });
  const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
  const w = graph.nodeWidth;
  const h = graph.nodeHeight;
  for (const [from, to] of graph.edges) {
    const a = byId[from];
    const b = byId[to];
    if (!a || !b) continue;
    const x1 = a.x + w / 2, y1 = a.y + h, x2 = b.x + w / 2, y2 = b.y;
    const mid = (y1 + y2) / 2;
    svg.append(svgEl("path", { d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}` }));
  }
  for (const node of graph.nodes) {
    const group = svgEl("g", { "data-node": node.displayName || node.name, "data-phase": node.phase || "Pending" });
    const rect = svgEl("rect", { x: node.x, y: node.y, rx: 6, width: w, height: h, class: "phase-" + (node.phase || "Pending") });
    if (view.selected === node.id) rect.classList.add("selected");
    const label = svgEl("text", { x: node.x + 10, y: node.y + h / 2 + 4 });
    const text = node.displayName || node.name;
    label.textContent = text.length > 24 ? text.slice(0, 23) + "…" : text;
    const title = svgEl("title", {});
    title.textContent = `${node.name} (${node.type}): ${node.phase}${node.message ? " — " + node.message : ""}`;
    group.append(rect, label, title);
    group.addEventListener("click", () => selectNode(view, node.id));
    svg.append(group);
  }
  box.replaceChildren(svg);
  if (view.selected && byId[view.selected]) showNode(view, byId[view.selected], false);
}

function selectNode(view, id) {
  view.selected = id;
  drawGraph(document.getElementById("graph"), view.graph, view);
  const node = view.graph.nodes.find((n) => n.id === id);
  showNode(view, node, true);
}

function pairs(title, items, render) {
  if (!items || !items.length) return [];
  return [el("h4", {}, title), el("table", {}, el("tbody", {}, items.map(render)))];
}

function showNode(view, node, fresh) {
  const inputs = (node.inputs || {}).parameters;
  const outputs = node.outputs || {};
  const artifacts = outputs.artifacts || [];
  const param = (p) => el("tr", {}, el("td", {}, p.name), el("td", {}, p.value === undefined ? "" : String(p.value)));
  const artifact = (a) => el("tr", {}, el("td", {}, a.name),
    el("td", {}, el("button", { type: "button", "data-artifact": a.name, onclick: () => download(view, node, a.name) }, "Download")));
  const logs = fresh || !view.logs ? el("pre", { class: "logs", id: "logs" }) : view.logs;
  view.panel.replaceChildren(
    el("h3", {}, node.displayName || node.name, " ", badge(node.phase)),
    el("p", { class: "muted" }, `${node.type} · ${node.templateName || ""}${node.message ? " · " + node.message : ""}`),
    ...pairs("Inputs", inputs, param),
    ...pairs("Outputs", outputs.parameters, param),
    ...(outputs.result !== undefined ? [el("h4", {}, "Result"), el("pre", { id: "result" }, outputs.result)] : []),
    ...pairs("Artifacts", artifacts, artifact),
    ...(node.type === "Pod" ? [el("h4", {}, "Logs"), logs] : []));
  if (node.type === "Pod" && (fresh || !view.logs)) streamLogs(view, node, logs);
  view.logs = node.type === "Pod" ? logs : null;
}

function streamLogs(view, node, box) {
  if (view.stopLogs) view.stopLogs();
  const controller = new AbortController();
  view.stopLogs = () => controller.abort();
  state.stop.push(view.stopLogs);
  const query = new URLSearchParams({ podName: node.id, "logOptions.follow": "true" });
  streamLines(`/api/v1/workflows/${encodeURIComponent(view.ns)}/${encodeURIComponent(view.name)}/log?${query}`, (line) => {
    if (!line.trim()) return;
    const entry = JSON.parse(line);
    if (entry.result) box.append(entry.result.content + "\n");
  }, controller.signal).catch(showError);
}

async function download(view, node, name) {
  const path = `/artifact-files/${encodeURIComponent(view.ns)}/workflows/${encodeURIComponent(view.name)}/${encodeURIComponent(node.id)}/outputs/${encodeURIComponent(name)}`;
  try {
    const response = await fetch(path, { headers: authHeaders() });
    if (!response.ok) throw new Error((await response.json().catch(() => ({}))).message || response.statusText);
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    showError(error);
  }
}

// -- templates, submit, cron ----------------------------------------------------------------

async function templateList(main) {
  const ns = encodeURIComponent(state.ns);
  const [own, cluster] = await Promise.all([
    api(`/api/v1/workflow-templates/${ns}`), api("/api/v1/cluster-workflow-templates")]);
  const row = (kind, t) => el("tr", { "data-template": t.metadata.name },
    el("td", {}, t.metadata.name), el("td", {}, kind),
    el("td", {}, ((t.spec.arguments || {}).parameters || []).map((p) => p.name).join(", ")),
    el("td", {}, el("button", { type: "button", onclick: () => go(`#/submit/${kind}/${t.metadata.name}`) }, "Submit")));
  main.append(el("h2", {}, "Workflow templates"), el("table", { id: "templates" },
    el("thead", {}, el("tr", {}, ["Name", "Kind", "Parameters", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, (own.items || []).map((t) => row("WorkflowTemplate", t)),
      (cluster.items || []).map((t) => row("ClusterWorkflowTemplate", t)))));
}

async function submitForm(main, kind, name) {
  const path = kind === "ClusterWorkflowTemplate"
    ? `/api/v1/cluster-workflow-templates/${encodeURIComponent(name)}`
    : `/api/v1/workflow-templates/${encodeURIComponent(state.ns)}/${encodeURIComponent(name)}`;
  const template = await api(path);
  const params = (template.spec.arguments || {}).parameters || [];
  const fields = params.map((p) => {
    const input = p.enum
      ? el("select", { name: p.name }, p.enum.map((v) => el("option", { value: v, selected: v === p.value }, v)))
      : el("input", { name: p.name, value: p.value === undefined ? "" : p.value, placeholder: p.value === undefined ? "required" : "" });
    return [el("label", { for: p.name }, p.name), input, p.description ? el("div", { class: "muted" }, p.description) : null];
  });
  const form = el("form", { class: "submit", id: "submit-form" }, fields,
    el("p", {}, el("button", { type: "submit" }, "Submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const parameters = params.map((p) => `${p.name}=${data.get(p.name)}`);
    try {
      const created = await api(`/api/v1/workflows/${encodeURIComponent(state.ns)}/submit`, {
        method: "POST", body: { resourceKind: kind, resourceName: name, submitOptions: { parameters } } });
      go(`#/workflows/${created.metadata.namespace}/${created.metadata.name}`);
    } catch (error) {
      showError(error);
    }
  });
  main.append(el("h2", {}, `Submit ${name}`), form);
}

async function cronList(main) {
  const ns = encodeURIComponent(state.ns);
  const body = el("tbody");
  main.append(el("h2", {}, "Cron workflows"), el("table", { id: "cron" },
    el("thead", {}, el("tr", {}, ["Name", "Schedules", "Suspended", "Last run", ""].map((h) => el("th", {}, h)))), body));
  const refresh = async () => {
    const data = await api(`/api/v1/cron-workflows/${ns}`);
    body.replaceChildren(...(data.items || []).map((c) => {
      const name = c.metadata.name;
      const flip = c.spec.suspend ? "resume" : "suspend";
      return el("tr", { "data-cron": name }, el("td", {}, name),
        el("td", {}, (c.spec.schedules || [c.spec.schedule]).join(", ")), el("td", {}, c.spec.suspend ? "yes" : "no"),
        el("td", {}, age((c.status || {}).lastScheduledTime)),
        el("td", {}, el("button", { type: "button", onclick: async () => {
          await api(`/api/v1/cron-workflows/${ns}/${name}/${flip}`, { method: "PUT", body: {} }).catch(showError);
          refresh();
        } }, flip === "resume" ? "Resume" : "Suspend")));
    }));
  };
  await refresh();
}

// -- routing ----------------------------------------------------------------------------

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  for (const stop of state.stop.splice(0)) stop();
  showError(null);
  const main = document.getElementById("main");
  main.replaceChildren();
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const section = parts[0] === "submit" ? "templates" : parts[0] || "workflows";
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === section));
  try {
    if (parts[0] === "workflows" && parts.length >= 3) workflowDetail(main, parts[1], parts[2]);
    else if (parts[0] === "templates") await templateList(main);
    else if (parts[0] === "submit") await submitForm(main, parts[1], parts[2]);
    else if (parts[0] === "cron") await cronList(main);
    else workflowList(main);
  } catch (error) {
    showError(error);
  }
}

function start() {
  const ns = document.getElementById("namespace");
  ns.value = state.ns;
  ns.addEventListener("change", () => {
    state.ns = ns.value.trim() || "default";
    localStorage.setItem("wf.namespace", state.ns);
    route();
  });
  document.getElementById("token-button").addEventListener("click", askToken);
  document.getElementById("token-form").addEventListener("submit", () => {
    state.token = document.getElementById("token-input").value.trim();
    localStorage.setItem("wf.token", state.token);
    route();
  });
  window.addEventListener("hashchange", route);
  route();
}

start();
