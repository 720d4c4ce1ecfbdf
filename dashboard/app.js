// driftwatch dashboard: plain JavaScript and SVG, no framework, no network beyond this API.
// The key lives in sessionStorage and travels in the Authorization header only.
"use strict";

const KEY_STORE = "driftwatch.key";
const PERIODS_SHOWN = 12;
const COLOURS = ["#1d4f91", "#b10e1e", "#00703c", "#6f3c97", "#8a5a00", "#0b6d7a", "#4c4c4c", "#d4351c"];

const $ = (id) => document.getElementById(id);
const state = { catalogue: [], byId: new Map(), scorecard: null, current: null };

function key() { return sessionStorage.getItem(KEY_STORE); }

function say(text, isError = false) {
  const m = $("message");
  m.textContent = text || "";
  m.classList.toggle("error", !!isError);
}

async function api(path, accept = "application/json") {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${key()}`, Accept: accept } });
  if (!res.ok) {
    let detail = `${res.status} ${res.statusText}`;
    try { const p = await res.json(); detail = p.detail || p.title || detail; } catch (_) { /* not JSON */ }
    const err = new Error(detail);
    err.status = res.status;
    throw err;
  }
  return res;
}
const getJson = async (path) => (await api(path)).json();

function isoDate(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

// The first day of the period PERIODS_SHOWN-1 periods before the one holding `asOf`.
function rangeFor(kind, asOf) {
  const d = new Date(`${asOf}T12:00:00`);
  let y = d.getFullYear(), m = d.getMonth();
  if (kind === "quarter") { m = m - (m % 3) - 3 * (PERIODS_SHOWN - 1); }
  else if (kind === "financial_year") { y = (m >= 3 ? y : y - 1) - (PERIODS_SHOWN - 1); m = 3; }
  else { m -= PERIODS_SHOWN - 1; }
  const from = new Date(y, m, 1, 12);
  return { from: isoDate(from), to: asOf };
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  return q.toString();
}

// An instant as "2024-03-08 18:00" (the API gives RFC 3339 with the London offset); dates as they are.
function fmtWhen(s) {
  if (!s) return "";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(s);
  return m ? `${m[1]} ${m[2]}` : s;
}

function fmtValue(v, unit) {
  if (v === null || v === undefined) return "–";
  return unit === "days" ? `${v} days` : `${v}%`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

const SVG = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs = {}) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function ragBadge(rag) {
  const label = rag ? rag[0].toUpperCase() + rag.slice(1) : "No target";
  return el("span", { class: `rag rag-${rag || "none"}`, text: label });
}

// A small line of the last periods' values, with a text alternative.
function sparkline(values, labels, unit) {
  const w = 120, h = 32, pad = 3;
  const nums = values.filter((v) => v !== null);
  const max = unit === "days" ? Math.max(1, ...nums) : 100;
  const s = svgEl("svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img" });
  const described = values.map((v, i) => `${labels[i]}: ${fmtValue(v, unit)}`).join("; ");
  s.setAttribute("aria-label", nums.length ? `Trend — ${described}` : "No cases in these periods");
  const title = svgEl("title"); title.textContent = s.getAttribute("aria-label"); s.append(title);
  const x = (i) => pad + (i * (w - 2 * pad)) / Math.max(1, values.length - 1);
  const y = (v) => h - pad - (v / max) * (h - 2 * pad);
  let d = "", pen = false;
  values.forEach((v, i) => {
    if (v === null) { pen = false; return; }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
    pen = true;
  });
  s.append(svgEl("path", { d, fill: "none", stroke: "#1d4f91", "stroke-width": 2 }));
  const lastIdx = values.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0).pop();
  if (lastIdx !== undefined) s.append(svgEl("circle", { cx: x(lastIdx), cy: y(values[lastIdx]), r: 2.5, fill: "#1d4f91" }));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Scorecard

async function loadBoard() {
  const kind = $("period").value;
  const asOf = $("as-of").value;
  const { from, to } = rangeFor(kind, asOf);
  say("Loading…");
  const [cat, card] = await Promise.all([
    getJson("/v1/indicators"),
    getJson(`/v1/scorecard?${query({ period: kind, from, to, as_of: asOf })}`),
  ]);
  state.catalogue = cat.data;
  state.byId = new Map(cat.data.map((i) => [i.id, i]));
  state.scorecard = { rows: card.data, kind, from, to, asOf };
  const when = new Date(card.last_modified);
  $("freshness").textContent = `Figures as of ${card.as_of}. Data last changed ${when.toLocaleString("en-GB")} (version ${card.data_version}).`;
  const la = card.data.length ? card.data[0].la_code : "";
  $("authority").textContent = la ? `Local authority ${la}` : "";
  renderBoard();
  say("");
}

// An indicator's own rows; the scorecard also carries, after them, its rows of one age group
// where the DfE publishes the measure by age group (care leavers 17-18, 19-21), which carry
// `age_group`.
function seriesOf(rows, id, ageGroup) {
  return rows.filter((r) => r.indicator_id === id && (r.age_group ?? null) === (ageGroup ?? null));
}

function ageGroupsOf(rows, id) {
  const seen = [];
  for (const r of rows) {
    if (r.indicator_id === id && r.age_group != null && !seen.includes(r.age_group)) seen.push(r.age_group);
  }
  return seen;
}

function boardRow(ind, series, heading, ageGroup) {
  const last = series[series.length - 1];
  const tr = el("tr", { "data-indicator": ind.id, "data-period": last.period });
  if (ageGroup) tr.dataset.ageGroup = ageGroup;
  tr.append(
    el("th", { scope: "row", class: ageGroup ? "sub" : "" }, heading),
    el("td", { class: "num", "data-field": "value", "data-raw": String(last.value), text: fmtValue(last.value, last.value_unit) }),
    el("td", { class: "num", "data-field": "target", "data-raw": String(last.target), text: last.target === null ? "–" : fmtValue(last.target, last.value_unit) }),
    el("td", { "data-field": "rag", "data-raw": String(last.rag) }, ragBadge(last.rag)),
    el("td", {}, sparkline(series.map((r) => r.value), series.map((r) => r.period), last.value_unit)),
    standingCell(last),
    el("td", { class: "num", "data-field": "denominator", "data-raw": String(last.denominator), text: String(last.denominator) }),
    el("td", { class: "num", "data-field": "open", "data-raw": String(last.open_at_period_end), text: last.open_at_period_end ?? "–" }),
    el("td", { class: "num", "data-field": "overdue", "data-raw": String(last.overdue_at_period_end), text: last.overdue_at_period_end ?? "–" }),
  );
  return tr;
}

function renderBoard() {
  const tbody = $("scorecard").querySelector("tbody");
  tbody.replaceChildren();
  const rows = state.scorecard.rows;
  for (const ind of state.catalogue) {
    const series = seriesOf(rows, ind.id);
    if (!series.length) continue;
    const open = el("button", { type: "button", class: "link", text: ind.title });
    open.addEventListener("click", () => showDetail(ind.id));
    tbody.append(boardRow(ind, series, open));
    for (const g of ageGroupsOf(rows, ind.id)) {
      tbody.append(boardRow(ind, seriesOf(rows, ind.id, g), el("span", { text: `aged ${g}` }), g));
    }
  }
  const kindName = { month: "month", quarter: "quarter", financial_year: "financial year" }[state.scorecard.kind];
  $("scorecard-caption").textContent = `Every indicator for the ${kindName} to ${state.scorecard.to}, with its trend over the last ${PERIODS_SHOWN} periods. Select an indicator for its chart and cases.`;
}

// The DfE's published figures beside the row (the scorecard's benchmark fields, issue 20):
// England, the statistical neighbours' median (as the DfE's dashboard) and mean (as LAIT), and
// the row's own figure against England at 95%.
function standingCell(r) {
  const td = el("td", { "data-field": "standing", "data-raw": String(r.england_value ?? null) });
  if (r.england_value === null || r.england_value === undefined) {
    td.append(el("span", { class: "muted", text: r.benchmark_measure ? "No published figures" : "–" }));
    return td;
  }
  const unit = r.value_unit === "percent" ? "%" : "";
  const num = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 10) / 10}${unit}`);
  td.append(el("span", { text: `England ${num(r.england_value)} · neighbours ${num(r.neighbours_median)} median, ${num(r.neighbours_mean)} mean (${r.benchmark_year})` }));
  if (r.england_significance) {
    const c = r.england_comparison;
    const label = c === "better" || c === "worse"
      ? `${r.england_significance} than England, ${c}`
      : r.england_significance === "similar" ? "similar to England" : `${r.england_significance} than England`;
    td.append(" ", el("span", { class: `sig sig-${c}`, "data-field": "significance", "data-raw": r.england_significance, text: label }));
  }
  return td;
}

// ---------------------------------------------------------------------------------------------
// One indicator

async function showDetail(id) {
  const ind = state.byId.get(id);
  state.current = ind;
  $("board").hidden = true;
  $("detail").hidden = false;
  $("detail-title").textContent = ind.title;
  $("detail-description").textContent = ind.description;
  const lim = ind.effective_limit;
  $("detail-limit").textContent = lim
    ? `Limit ${lim.value} ${lim.unit.replace("_", " ")} (${ind.basis}; ${ind.source})`
    : ind.kind === "cohort"
      ? `A cohort counted at each period's end (${ind.source})`
      : `A proportion (${ind.source})`;
  const gb = $("group-by");
  gb.replaceChildren(el("option", { value: "", text: "None" }), ...ind.groups.map((g) => el("option", { value: g, text: g.replaceAll("_", " ") })));
  $("detail-title").focus?.();
  await Promise.all([loadChart(), loadCases()]);
}

async function loadChart() {
  const ind = state.current;
  const { kind, from, to, asOf } = state.scorecard;
  const groupBy = $("group-by").value;
  // By month, statistical process control (XmR): centre line, process limits and flagged points.
  const spc = kind === "month" ? "true" : "";
  const s = await getJson(`/v1/indicators/${ind.id}/summary?${query({ period: kind, from, to, as_of: asOf, group_by: groupBy, spc })}`);
  const periods = [...new Set(s.data.map((r) => r.period))];
  const groups = new Map();
  for (const r of s.data) {
    const g = groupBy ? String(r[groupBy] ?? "unknown") : ind.title;
    if (!groups.has(g)) groups.set(g, { total: 0, values: new Map() });
    const e = groups.get(g);
    e.total += r.denominator;
    e.values.set(r.period, r.value);
  }
  const shown = [...groups.entries()].sort((a, b) => b[1].total - a[1].total).slice(0, COLOURS.length);
  const unit = s.data[0]?.value_unit || "percent";
  const target = s.data.find((r) => r.target !== null)?.target ?? null;
  // SPC is drawn for a single series (no grouping), where the API gave limits.
  const spcRows = !groupBy ? s.data.filter((r) => r.spc_mean !== undefined) : [];
  drawChart(periods, shown, unit, target, spcRows);
  const hidden = groups.size - shown.length;
  const flagged = spcRows.filter(isFlagged).length;
  $("chart-caption").textContent = `${ind.title} by ${kind.replace("_", " ")}${groupBy ? `, by ${groupBy.replaceAll("_", " ")}` : ""}` +
    (target !== null ? `; dashed line: target ${fmtValue(target, unit)}` : "") +
    (spcRows.length ? `; grey line: mean, dotted lines: process limits (XmR); ${flagged} point${flagged === 1 ? "" : "s"} of special cause ringed` : "") +
    (hidden > 0 ? `; ${hidden} smaller groups not drawn (see the table)` : "");
  // The same figures as a table.
  const thead = $("series").querySelector("thead"), tbody = $("series").querySelector("tbody");
  thead.replaceChildren(el("tr", {}, el("th", { scope: "col", text: "Period" }),
    ...(groupBy ? [el("th", { scope: "col", text: groupBy.replaceAll("_", " ") })] : []),
    el("th", { scope: "col", class: "num", text: "Value" }), el("th", { scope: "col", class: "num", text: "Numerator" }),
    el("th", { scope: "col", class: "num", text: "Denominator" }), el("th", { scope: "col", text: "RAG" })));
  tbody.replaceChildren(...s.data.map((r) => el("tr", {}, el("td", { text: r.period }),
    ...(groupBy ? [el("td", { text: String(r[groupBy] ?? "unknown") })] : []),
    el("td", { class: "num", text: fmtValue(r.value, r.value_unit) }), el("td", { class: "num", text: String(r.numerator) }),
    el("td", { class: "num", text: String(r.denominator) }), el("td", {}, ragBadge(r.rag)))));
}

// A point with a special-cause rule flagged (outside the limits, shift, trend, two of three).
function isFlagged(r) {
  return !!(r.spc_outside_limits || r.spc_shift || r.spc_trend || r.spc_two_of_three);
}

function drawChart(periods, groups, unit, target, spcRows = []) {
  const w = 760, h = 300, left = 48, right = 12, top = 12, bottom = 46;
  const spcVals = spcRows.flatMap((r) => [r.spc_upper_process_limit, r.spc_lower_process_limit]).filter((v) => v !== null && v !== undefined);
  const all = groups.flatMap(([, g]) => [...g.values.values()]).filter((v) => v !== null).concat(unit === "days" ? spcVals : []);
  const max = unit === "days" ? Math.max(1, target ?? 0, ...all) * 1.1 : 100;
  const x = (i) => left + (i * (w - left - right)) / Math.max(1, periods.length - 1);
  const y = (v) => top + (1 - v / max) * (h - top - bottom);
  const s = svgEl("svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img", id: "chart-svg" });
  s.setAttribute("aria-label", `Line chart of ${groups.map(([name]) => name).join(", ")} over ${periods.length} periods; the figures are in the table below.`);
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    s.append(svgEl("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), stroke: "#e1e1e1" }));
    const lab = svgEl("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#4a4a4a" });
    lab.textContent = unit === "days" ? Math.round(v) : `${Math.round(v)}%`;
    s.append(lab);
  }
  periods.forEach((p, i) => {
    if (periods.length > 14 && i % 2) return;
    const lab = svgEl("text", { x: x(i), y: h - bottom + 16, "text-anchor": "middle", "font-size": 11, fill: "#4a4a4a" });
    lab.textContent = p;
    s.append(lab);
  });
  if (target !== null) {
    s.append(svgEl("line", { x1: left, x2: w - right, y1: y(target), y2: y(target), stroke: "#0b0c0c", "stroke-dasharray": "6 4", "stroke-width": 1.5, "data-role": "target" }));
  }
  // SPC lines, each point at its segment's values (a recalculation steps the lines).
  const at = new Map(spcRows.map((r) => [r.period, r]));
  const clamp = (v) => Math.min(max, Math.max(0, v));
  const spcLine = (field, attrs) => {
    let d = "", pen = false;
    periods.forEach((p, i) => {
      const r = at.get(p);
      if (!r || r[field] === null || r[field] === undefined) { pen = false; return; }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(clamp(r[field])).toFixed(1)} `;
      pen = true;
    });
    if (d) s.append(svgEl("path", { d, fill: "none", ...attrs }));
  };
  spcLine("spc_mean", { stroke: "#6f6f6f", "stroke-width": 1.5, "data-role": "spc-mean" });
  spcLine("spc_upper_process_limit", { stroke: "#6f6f6f", "stroke-dasharray": "2 3", "stroke-width": 1.5, "data-role": "spc-upper" });
  spcLine("spc_lower_process_limit", { stroke: "#6f6f6f", "stroke-dasharray": "2 3", "stroke-width": 1.5, "data-role": "spc-lower" });
  groups.forEach(([name, g], gi) => {
    let d = "", pen = false;
    periods.forEach((p, i) => {
      const v = g.values.get(p);
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
      s.append(svgEl("circle", { cx: x(i), cy: y(v), r: 3, fill: COLOURS[gi] }));
      const r = at.get(p);
      if (r && isFlagged(r)) {
        // Ringed: orange for concern, blue for improvement, grey where neither is better.
        const colour = r.spc_variation === "special_cause_concern" ? "#d4351c"
          : r.spc_variation === "special_cause_improvement" ? "#1d70b8" : "#4c4c4c";
        const ring = svgEl("circle", { cx: x(i), cy: y(v), r: 7, fill: "none", stroke: colour, "stroke-width": 2.5, "data-role": "spc-flag", "data-period": p, "data-variation": r.spc_variation });
        const t = svgEl("title");
        t.textContent = `${p}: ${String(r.spc_variation).replaceAll("_", " ")}`;
        ring.append(t);
        s.append(ring);
      }
    });
    const path = svgEl("path", { d, fill: "none", stroke: COLOURS[gi], "stroke-width": 2.5, "data-series": name });
    s.append(path);
  });
  const legend = el("ul", { class: "legend" }, ...groups.map(([name], gi) => {
    const li = el("li", { text: name });
    li.style.setProperty("--c", COLOURS[gi]);
    return li;
  }));
  $("chart").replaceChildren(s, legend);
}

async function loadCases() {
  const ind = state.current;
  const asOf = state.scorecard.asOf;
  const tbody = $("cases").querySelector("tbody");
  let rows;
  if (ind.kind === "timeliness") {
    const [overdue, open] = await Promise.all([
      getJson(`/v1/indicators/${ind.id}/cases?${query({ status: "overdue", as_of: asOf, limit: 100 })}`),
      getJson(`/v1/indicators/${ind.id}/cases?${query({ status: "open", as_of: asOf, limit: 100 })}`),
    ]);
    // Most overdue first: the API orders by due date, oldest first.
    rows = [...overdue.data, ...open.data];
    $("cases-title").textContent = "Open cases, overdue first";
    $("cases-note").textContent = `${overdue.data.length}${overdue.next_cursor ? "+" : ""} overdue and ${open.data.length}${open.next_cursor ? "+" : ""} open as of ${asOf}. The download has every case.`;
  } else {
    const all = await getJson(`/v1/indicators/${ind.id}/cases?${query({ as_of: asOf, limit: 100 })}`);
    rows = all.data;
    $("cases-title").textContent = "Cases";
    $("cases-note").textContent = `For a proportion, "met" means the condition holds. First ${rows.length} shown; the download has every case.`;
  }
  tbody.replaceChildren(...rows.map((c) => el("tr", { "data-case": c.case_id },
    el("td", { text: c.case_id }), el("td", { text: c.child_id ?? "" }), el("td", { text: c.team ?? "" }),
    el("td", { text: fmtWhen(c.start) }), el("td", { text: fmtWhen(c.due) }),
    el("td", { class: `status-${c.status}`, text: c.status.replace("_", " ") }),
    el("td", { class: "num", text: c.days_overdue ?? "" }))));
  if (!rows.length) tbody.append(el("tr", {}, el("td", { colSpan: 7, text: "No open cases." })));
}

async function downloadCases() {
  const ind = state.current;
  say("Preparing the download…");
  const res = await api(`/v1/indicators/${ind.id}/cases?${query({ as_of: state.scorecard.asOf, format: "csv" })}`, "text/csv");
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: `${ind.id}-cases-${state.scorecard.asOf}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  say("Download ready.");
}

// ---------------------------------------------------------------------------------------------
// Wiring

function showSignIn(message) {
  $("sign-in").hidden = false;
  $("board").hidden = true;
  $("detail").hidden = true;
  $("sign-out").hidden = true;
  if (message) say(message, true);
  $("key").focus();
}

async function start() {
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  $("board").hidden = false;
  $("detail").hidden = true;
  try {
    await loadBoard();
  } catch (e) {
    if (e.status === 401) { sessionStorage.removeItem(KEY_STORE); showSignIn("That key was not accepted."); }
    else if (e.status === 403) { say("This key cannot read indicators (it needs the read:indicators scope).", true); }
    else say(`Could not load the scorecard: ${e.message}`, true);
  }
}

function guard(fn) {
  return async (...args) => {
    try { await fn(...args); } catch (e) { say(e.message, true); }
  };
}

document.addEventListener("DOMContentLoaded", () => {
  $("as-of").value = isoDate(new Date());
  $("sign-in-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const k = $("key").value.trim();
    if (!k) return;
    sessionStorage.setItem(KEY_STORE, k);
    $("key").value = "";
    start();
  });
  $("sign-out").addEventListener("click", () => { sessionStorage.removeItem(KEY_STORE); showSignIn(); say(""); });
  $("controls").addEventListener("submit", (ev) => { ev.preventDefault(); guard(loadBoard)(); });
  $("back").addEventListener("click", () => { $("detail").hidden = true; $("board").hidden = false; $("scorecard").focus?.(); });
  $("group-by").addEventListener("change", guard(loadChart));
  $("download").addEventListener("click", guard(downloadCases));
  if (key()) start(); else showSignIn();
});
