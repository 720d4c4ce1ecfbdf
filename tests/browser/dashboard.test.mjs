// Browser test of the dashboard against a live server with demo data (scripts/e2e starts it).
// Loads the page in headless Chromium, signs in with the key, checks the grid's numbers equal
// /v1/scorecard, opens an indicator and checks its chart and cases, and saves a screenshot.
// Env: BASE_URL, DRIFTWATCH_KEY, SCREENSHOT_DIR (default ../../artifacts), CHROMIUM.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";

const base = process.env.BASE_URL;
const key = process.env.DRIFTWATCH_KEY;
const shots = process.env.SCREENSHOT_DIR || path.resolve(import.meta.dirname, "../../artifacts");
assert.ok(base && key, "BASE_URL and DRIFTWATCH_KEY are required");
mkdirSync(shots, { recursive: true });

const api = async (p) => {
  const res = await fetch(base + p, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200, `${p}: ${res.status}`);
  return res.json();
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const failures = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") failures.push(`console: ${m.text()}`); });
  // Nothing but the API's own origin may be contacted.
  page.on("request", (r) => { if (!r.url().startsWith(base) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) failures.push(`external request: ${r.url()}`); });

  await page.goto(base + "/");
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector("#scorecard tbody tr");
  // The key never appears in the URL.
  assert.ok(!page.url().includes(key), "key in URL");

  // The grid shows, for each indicator, the latest period of the same scorecard the API gives.
  const asOf = await page.inputValue("#as-of");
  const range = await page.evaluate(() => {
    const d = new Date(`${document.getElementById("as-of").value}T12:00:00`);
    const from = new Date(d.getFullYear(), d.getMonth() - 11, 1, 12);
    const iso = (x) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, "0")}-${String(x.getDate()).padStart(2, "0")}`;
    return { from: iso(from), to: iso(d) };
  });
  const card = await api(`/v1/scorecard?period=month&from=${range.from}&to=${range.to}&as_of=${asOf}`);
  const latest = new Map();
  // Rows are in period order; an indicator's rows of one age group (care leavers, issue 20)
  // are grid rows of their own.
  for (const r of card.data) latest.set(`${r.indicator_id}|${r.age_group ?? ""}`, r);
  const gridRows = await page.$$eval("#scorecard tbody tr", (trs) => trs.map((tr) => {
    const f = (name) => tr.querySelector(`[data-field="${name}"]`).getAttribute("data-raw");
    return { id: `${tr.dataset.indicator}|${tr.dataset.ageGroup ?? ""}`, period: tr.dataset.period, value: f("value"), target: f("target"), rag: f("rag"),
      denominator: f("denominator"), open: f("open"), overdue: f("overdue"), standing: f("standing"),
      shown: tr.querySelector('[data-field="value"]').textContent };
  }));
  assert.equal(gridRows.length, latest.size, "one grid row per indicator (and age group)");
  let nonEmpty = 0;
  for (const g of gridRows) {
    const r = latest.get(g.id);
    assert.ok(r, `unknown indicator ${g.id}`);
    assert.equal(g.period, r.period, g.id);
    assert.equal(g.value, String(r.value), `${g.id} value`);
    assert.equal(g.target, String(r.target), `${g.id} target`);
    assert.equal(g.rag, String(r.rag), `${g.id} rag`);
    assert.equal(g.denominator, String(r.denominator), `${g.id} denominator`);
    assert.equal(g.open, String(r.open_at_period_end), `${g.id} open`);
    assert.equal(g.overdue, String(r.overdue_at_period_end), `${g.id} overdue`);
    assert.equal(g.standing, String(r.england_value ?? null), `${g.id} England`);
    if (r.value !== null) {
      nonEmpty += 1;
      assert.ok(g.shown.startsWith(String(r.value)), `${g.id} shows ${g.shown} for ${r.value}`);
    }
  }
  assert.ok(nonEmpty > 0, "the demo data gives at least one indicator a value");
  // RAG is told in text, not only colour; sparklines have text alternatives.
  const labels = await page.$$eval("#scorecard .rag", (xs) => xs.map((x) => x.textContent));
  assert.ok(labels.every((t) => ["Green", "Amber", "Red", "No target"].includes(t)), labels.join());
  const alt = await page.$$eval("#scorecard svg[role=img]", (xs) => xs.map((x) => x.getAttribute("aria-label")));
  assert.ok(alt.length === gridRows.length && alt.every((a) => a && a.length > 10));
  assert.match(await page.textContent("#freshness"), /Data last changed/);
  await page.screenshot({ path: path.join(shots, "dashboard.png"), fullPage: true });

  // Open the return home interview indicator by keyboard: its chart and its cases.
  const link = page.locator('#scorecard tr[data-indicator="rhi-timeliness"] button');
  await link.focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector("#chart-svg path[data-series]");
  await page.waitForSelector("#cases tbody tr");
  assert.equal(await page.textContent("#detail-title"), "Return home interviews within 72 hours");
  const caseRows = await page.$$eval("#cases tbody tr[data-case]", (trs) => trs.map((t) => t.querySelector(".status-overdue, .status-open")?.textContent));
  const firstOpen = caseRows.indexOf("open");
  const lastOverdue = caseRows.lastIndexOf("overdue");
  assert.ok(firstOpen === -1 || lastOverdue === -1 || lastOverdue < firstOpen, "overdue cases come first");
  // By month the chart draws the SPC mean and limits and rings each flagged point.
  const spc = await api(`/v1/indicators/rhi-timeliness/summary?period=month&from=${range.from}&to=${range.to}&as_of=${asOf}&spc=true`);
  const spcRows = spc.data.filter((r) => r.spc_mean !== undefined);
  assert.equal(await page.locator('#chart-svg path[data-role="spc-mean"]').count(), spcRows.length > 0 ? 1 : 0);
  const flagged = spcRows.filter((r) => r.spc_outside_limits || r.spc_shift || r.spc_trend || r.spc_two_of_three).length;
  assert.equal(await page.locator('#chart-svg [data-role="spc-flag"]').count(), flagged, "flagged points ringed");
  const apiOverdue = await api(`/v1/indicators/rhi-timeliness/cases?status=overdue&as_of=${asOf}&limit=100`);
  assert.equal(caseRows.filter((s) => s === "overdue").length, apiOverdue.data.length);
  // Group by team: one line per team.
  await page.selectOption("#group-by", "team");
  await page.waitForFunction(() => document.querySelectorAll("#chart-svg path[data-series]").length > 1);
  await page.screenshot({ path: path.join(shots, "dashboard-indicator.png"), fullPage: true });
  // The CSV download carries every case.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const file = path.join(shots, "cases.csv");
  await download.saveAs(file);
  const { readFileSync } = await import("node:fs");
  const csv = readFileSync(file, "utf8").trim().split("\n");
  assert.ok(csv[0].startsWith("indicator_id,case_id,child_id"), csv[0]);
  assert.ok(csv.length > 1);
  assert.deepEqual(failures, []);
  console.log(`dashboard ok: ${gridRows.length} indicators, ${nonEmpty} with values; screenshots in ${shots}`);
} finally {
  await browser.close();
}
