// The grading dashboard: fills the page from the staff API (grading_service/handlers/staff.py),
// starts course actions as jobs and follows them until they end. Whether an action may
// start, and what it would do, is the API's answer (grading_service/core/guards.py): this
// page only shows it. Student names and anything a student wrote go in as text, never as
// markup (element() appends text nodes).
"use strict";

const page = document.body.dataset;
const POLL_MS = 700;
const RECENT_JOBS = 8;
// The actions whose option "force" the Redo box sets (see tito/grading/actions.py).
const FORCEABLE = new Set(["release", "autograde"]);
const ACTION_NAMES = { feedback: "Release feedback", feedback_changed: "Re-release changed" };
const RELEASE_ANYWAY = { pending_manual: "release anyway" };
const STAGES = [
  ["generated", "Generated"], ["released", "Released"], ["handed_in", "Handed in"],
  ["collected", "Collected"], ["autograded", "Autograded"],
  ["needs_manual", "Needs manual grading"], ["feedback", "Feedback released"],
];
const watched = new Set();
let modules = [];

// ---- talking to the service ----

async function api(path, options = {}) {
  // Cookie-authenticated requests to a hub service need the page's XSRF token, GETs too.
  const headers = { "X-XSRFToken": page.xsrfToken, "Content-Type": "application/json" };
  const response = await fetch(page.baseUrl + path, { ...options, headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || body.message || `${response.status} ${response.statusText}`);
  }
  return body;
}

function post(path, body = {}) {
  return api(path, { method: "POST", body: JSON.stringify(body) });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- building the page ----

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function svgElement(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// Replace only what changed, so screen readers announce news, not every poll.
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function fillTable(table, headings, rows) {
  table.tHead.replaceChildren(element("tr", {}, ...headings.map(
    (heading) => element("th", { scope: "col" }, heading))));
  table.tBodies[0].replaceChildren(...rows);
}

function showError(error) {
  const box = document.getElementById("error");
  box.textContent = error.message;
  box.hidden = false;
}

function clearError() {
  document.getElementById("error").hidden = true;
}

const label = (module) => `${String(module.number).padStart(2, "0")} ${module.title}`;
const points = (value) => String(Math.round(value * 10) / 10);

function formgraderLink(module) {
  return element("a", { href: `${page.baseUrl}formgrader/manage_submissions/${module.module}`,
                        target: "_blank", rel: "noopener" },
                 "Submissions", element("span", { class: "visually-hidden" },
                                        ` of ${module.title} in formgrader (new tab)`));
}

// ---- modules × pipeline ----

const capitalized = (word) => word[0].toUpperCase() + word.slice(1);

const forced = () => Boolean(document.getElementById("force")?.checked);

const actionName = (action) => ACTION_NAMES[action] || capitalized(action);

// Enabled only when the API says the action has something to do (or Redo makes it so);
// the reason it is not is the button's tooltip.
function setGuard(button, guard) {
  const open = guard.enabled || (forced() && guard.force_enables);
  button.disabled = !open;
  button.title = open ? "" : guard.reason;
}

function actionButton(module, action) {
  const name = actionName(action);
  const button = element("button", { type: "button", "aria-label": `${name} ${module.module}`,
                                     "data-action": action,
                                     onclick: () => confirmAction(module.module, action) }, name);
  setGuard(button, module.actions[action]);
  return button;
}

function staleCell(module) {
  const students = Object.entries(module.out_of_date);
  const cell = element("td", { class: `stage ${students.length ? "stale" : "empty"}` },
                       String(students.length));
  cell.title = students.map(([student, why]) => `${student}: ${why}`).join("\n");
  return cell;
}

function stageCell(module, stage) {
  const value = module[stage];
  const text = typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
  return element("td", { class: `stage ${value ? "done" : "empty"}` }, text);
}

function pipelineRow(module, actions) {
  const cells = [
    element("th", { scope: "row" }, label(module)),
    element("td", {}, module.due ? new Date(module.due).toLocaleString() : "—"),
    ...STAGES.map(([stage]) => stageCell(module, stage)),
    staleCell(module),
  ];
  if (actions.length) {
    cells.push(element("td", { class: "actions" },
                       ...actions.map((action) => actionButton(module, action))));
  }
  cells.push(element("td", {}, formgraderLink(module)));
  return element("tr", { id: `module-${module.module}` }, ...cells);
}

function showPipeline(course) {
  modules = course.modules;
  const headings = ["Module", "Due", ...STAGES.map(([, heading]) => heading),
                    "Feedback out of date"];
  if (course.actions.length) headings.push("Actions");
  headings.push("Formgrader");
  fillTable(document.getElementById("pipeline"), headings,
            course.modules.map((module) => pipelineRow(module, course.actions)));
}

// ---- jobs ----

function showProgress(bar, job) {
  bar.max = Math.max(job.total, 1);
  if (job.state === "succeeded") bar.value = bar.max;
  else if (job.total) bar.value = job.done;
  else bar.removeAttribute("value");  // no total yet: an indeterminate bar
}

function jobSummary(job) {
  const steps = job.total ? ` · ${job.done} of ${job.total}` : "";
  // A failed job's message repeats its error, which is shown below it.
  const news = job.state === "failed" ? "" : ` · ${job.message}`;
  return `${job.state}${steps}${news}`;
}

function jobItem(job) {
  return element("li", { id: `job-${job.id}`, class: "job" },
                 element("h3", {}, `${capitalized(job.kind)} ${job.module_id}`,
                         element("span", { class: "job-id" }, ` job ${job.id} by ${job.owner}`)),
                 element("progress", { "aria-label": `${job.kind} ${job.module_id} progress` }),
                 element("p", { class: "job-status" }),
                 element("p", { class: "job-error", hidden: "" }),
                 element("details", {}, element("summary", {}, "Log"),
                         element("pre", { class: "job-log" })));
}

function retryButton(job) {
  return element("button", { type: "button", class: "retry", "aria-label": `Retry job ${job.id}`,
                             onclick: () => retry(job) }, "Retry");
}

function showJob(job) {
  let item = document.getElementById(`job-${job.id}`);
  if (!item) {
    item = jobItem(job);
    document.getElementById("jobs").prepend(item);
    document.getElementById("no-jobs").hidden = true;
  }
  item.dataset.state = job.state;
  showProgress(item.querySelector("progress"), job);
  setText(item.querySelector(".job-status"), jobSummary(job));
  setText(item.querySelector(".job-log"), job.log.join("\n"));
  const error = item.querySelector(".job-error");
  error.hidden = !job.error;
  setText(error, job.error || "");
  const canRetry = job.state === "failed" && page.role === "instructor";
  if (canRetry && !item.querySelector(".retry")) item.append(retryButton(job));
}

const active = (job) => job.state === "queued" || job.state === "running";

// Show a job and, while it is queued or running, poll it; once it ends, reload the tables.
async function watch(job) {
  if (watched.has(job.id)) return;
  watched.add(job.id);
  showJob(job);
  if (!active(job)) return;
  do {
    await sleep(POLL_MS);
    try {
      job = await api(`api/jobs/${job.id}`);
    } catch (error) {
      showError(error);
      continue;
    }
    showJob(job);
  } while (active(job));
  await refresh();
}

// ---- confirmation: what the action will do, from the API's preview ----

function confirmDialog(preview) {
  // Resolves to null (cancel), or the body to send: with a warning (manual grading pending)
  // the only way on is the explicit "release anyway" choice.
  return new Promise((resolve) => {
    const dialog = element("dialog", { id: "confirm", "aria-labelledby": "confirm-title" });
    const close = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    const go = preview.warning
      ? element("button", { type: "button", class: "danger", onclick: () => close(RELEASE_ANYWAY) },
                "Release anyway, without those grades")
      : element("button", { type: "button", onclick: () => close({}) }, "Go ahead");
    dialog.append(
      element("h2", { id: "confirm-title" }, `${actionName(preview.action)} ${preview.module}?`),
      element("p", { class: "confirm-text" }, preview.text),
      ...(preview.warning ? [element("p", { class: "warning", role: "alert" }, preview.warning)] : []),
      element("p", { class: "buttons" },
              element("button", { type: "button", onclick: () => close(null) }, "Cancel"), " ", go));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(null); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

async function confirmAction(moduleId, action) {
  clearError();
  const force = forced() && FORCEABLE.has(action);
  try {
    const preview = await api(`api/modules/${moduleId}/${action}/preview${force ? "?force=1" : ""}`);
    if (!preview.enabled) throw new Error(preview.reason);
    const choice = await confirmDialog(preview);
    if (choice === null) return;
    const path = action === "feedback_changed"
      ? `api/modules/${moduleId}/feedback/changed` : `api/modules/${moduleId}/${action}`;
    watch(await post(path, { ...(force ? { force: true } : {}), ...choice }));
  } catch (error) {
    showError(error);
  }
}

async function retry(job) {
  clearError();
  try {
    watch(await post(`api/jobs/${job.id}/retry`));
  } catch (error) {
    showError(error);
  }
}

async function showRecentJobs() {
  const { jobs } = await api("api/jobs");
  // Oldest first, so each one goes on top of the one before.
  for (const job of jobs.slice(0, RECENT_JOBS).reverse()) watch(job);
}

// ---- class progress ----

function scoreCell(cell) {
  const parts = [];
  if (cell.graded) parts.push(`${points(cell.score)} / ${points(cell.max_score)}`);
  else parts.push(cell.submitted ? "submitted" : "—");
  if (!cell.submitted) parts.push(element("span", { class: "visually-hidden" }, "not submitted"));
  if (cell.late) parts.push(" ", element("span", { class: "late" }, "late"));
  const state = cell.graded ? "graded" : cell.submitted ? "submitted" : "missing";
  const title = cell.submitted_at ? { title: `handed in ${cell.submitted_at}` } : {};
  return element("td", { class: `score ${state}`, ...title }, ...parts);
}

function studentRow(student, cells, moduleIds) {
  return element("tr", {}, element("th", { scope: "row" }, student),
                 ...moduleIds.map((id) => scoreCell(cells[id])));
}

function moduleHeading(id) {
  const module = modules.find((candidate) => candidate.module === id);
  return module ? label(module) : id;
}

function showMatrix(progress) {
  const students = Object.entries(progress.students);
  const rows = students.length
    ? students.map(([student, cells]) => studentRow(student, cells, progress.modules))
    : [element("tr", {}, element("td", { colspan: progress.modules.length + 1 },
                                 "No students yet."))];
  fillTable(document.getElementById("matrix"),
            ["Student", ...progress.modules.map(moduleHeading)], rows);
}

// ---- histograms ----

const CHART = { width: 320, height: 150, top: 16, bottom: 22, left: 12, right: 12 };
const slotWidth = (bins) => (CHART.width - CHART.left - CHART.right) / bins;

function binRange(index, bins, maximum) {
  const edge = (i) => points((maximum * i) / bins);
  return `${edge(index)}–${edge(index + 1)}`;
}

function bar(count, index, tallest, bins) {
  const slot = slotWidth(bins);
  const room = CHART.height - CHART.top - CHART.bottom;
  const height = (count / tallest) * room;
  const x = CHART.left + index * slot;
  const y = CHART.top + room - height;
  return svgElement("g", {},
                    svgElement("rect", { x: x + 2, y, width: slot - 4, height, class: "bar" }),
                    svgElement("text", { x: x + slot / 2, y: y - 3 },
                               count ? String(count) : ""));
}

function axisLabels(bins, maximum) {
  const slot = slotWidth(bins);
  const y = CHART.height - 6;
  return [0, bins / 2, bins].map((i) => svgElement(
    "text", { x: CHART.left + i * slot, y }, points((maximum * i) / bins)));
}

function chart(id, counts, maximum) {
  const tallest = Math.max(1, ...counts);
  const description = counts.map(
    (count, i) => `${binRange(i, counts.length, maximum)} points: ${count}`).join("; ");
  return svgElement("svg", { viewBox: `0 0 ${CHART.width} ${CHART.height}`, role: "img",
                             "aria-labelledby": `histogram-${id}-title`,
                             "aria-describedby": `histogram-${id}-desc` },
                    svgElement("title", { id: `histogram-${id}-title` },
                               `Score histogram of ${moduleHeading(id)}`),
                    svgElement("desc", { id: `histogram-${id}-desc` },
                               `Students per score range: ${description}`),
                    svgElement("line", { x1: CHART.left, x2: CHART.width - CHART.right,
                                         y1: CHART.height - CHART.bottom,
                                         y2: CHART.height - CHART.bottom, class: "baseline" }),
                    ...counts.map((count, i) => bar(count, i, tallest, counts.length)),
                    ...axisLabels(counts.length, maximum));
}

function histogramFigure(id, histogram) {
  const graded = histogram.counts.reduce((sum, count) => sum + count, 0);
  const caption = graded
    ? `${moduleHeading(id)}: ${graded} graded, out of ${points(histogram.max_score)} points`
    : `${moduleHeading(id)}: nothing graded yet`;
  return element("figure", { class: "histogram", id: `histogram-${id}` },
                 ...(graded ? [chart(id, histogram.counts, histogram.max_score)] : []),
                 element("figcaption", {}, caption));
}

function showHistograms(progress) {
  document.getElementById("histograms").replaceChildren(...progress.modules.map(
    (id) => histogramFigure(id, progress.histograms[id])));
}

// ---- instructors: needs attention, due dates and the late policy ----

function showAttention({ signals }) {
  const rows = signals.length
    ? signals.map((signal) => element("tr", {}, element("th", { scope: "row" }, signal.student),
                                      element("td", {}, signal.signal),
                                      element("td", {}, signal.evidence)))
    : [element("tr", {}, element("td", { colspan: 3 }, "Nobody needs attention now."))];
  fillTable(document.getElementById("attention"), ["Student", "Signal", "Evidence"], rows);
}

async function saveSetting(path, body) {
  clearError();
  try {
    showSettings(await api(path, { method: "PUT", body: JSON.stringify(body) }));
    await refresh();
  } catch (error) {
    showError(error);
  }
}

function dueRow(moduleId, due) {
  const input = element("input", { type: "text", size: 28, value: due || "",
                                    "aria-label": `Due date of ${moduleId}`,
                                    placeholder: "2026-12-20T23:59:00+00:00" });
  const save = () => saveSetting(`api/due-dates/${moduleId}`, { due: input.value.trim() || null });
  return element("tr", {}, element("th", { scope: "row" }, moduleId), element("td", {}, input),
                 element("td", {}, element("button", { type: "button", onclick: save,
                                                        "aria-label": `Save due date of ${moduleId}` },
                                           "Save")));
}

function showSettings(settings) {
  fillTable(document.getElementById("due-dates"), ["Module", "Due (ISO 8601 with zone)", ""],
            Object.entries(settings.due).map(([id, due]) => dueRow(id, due)));
  document.getElementById("late-kind").value = settings.late_policy.kind;
  document.getElementById("late-percent").value = settings.late_policy.percent_per_day || "";
  setText(document.getElementById("late-text"), settings.late_policy.text || "no penalty");
  document.getElementById("setting-changes").replaceChildren(...settings.changes.map(
    (change) => element("li", {}, `${change.at} ${change.who}: ${change.what} `
                        + `${change.before ?? "none"} → ${change.after ?? "none"}`)));
}

function watchControls() {
  document.getElementById("late-save").addEventListener("click", () => saveSetting(
    "api/late-policy", { kind: document.getElementById("late-kind").value,
                         percent_per_day: Number(document.getElementById("late-percent").value) }));
  document.getElementById("force")?.addEventListener("change", () => {
    for (const button of document.querySelectorAll("button[data-action]")) {
      const module = modules.find((m) => button.closest("tr").id === `module-${m.module}`);
      setGuard(button, module.actions[button.dataset.action]);
    }
  });
}

// ---- putting it together ----

const instructor = page.role === "instructor";

async function refresh() {
  try {
    showPipeline(await api("api/course"));
    const progress = await api("api/progress");
    showMatrix(progress);
    showHistograms(progress);
    if (instructor) showAttention(await api("api/attention"));
  } catch (error) {
    showError(error);
  }
}

async function load() {
  if (instructor) {
    watchControls();
    try {
      showSettings(await api("api/course-settings"));
    } catch (error) {
      showError(error);
    }
  }
  await refresh();
  try {
    await showRecentJobs();
  } catch (error) {
    showError(error);
  }
  document.querySelector("main").setAttribute("aria-busy", "false");
}

load();
