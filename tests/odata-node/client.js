// Apache Olingo's JavaScript OData v4 client (ts-odatajs, npm) against a live driftwatch, run by
// scripts/odata-clients (issue 19: a second client from another ecosystem). It reads and parses
// $metadata through the client (entity sets, entity types and their keys), then reads the
// rhi_timeliness_cases entity set with HTTP Basic credentials (any user name, the key as the
// password), following @odata.nextLink to the end, and checks the row count and the rows against
// the /v1 JSON for the same query, fetched directly. BASE_URL and DRIFTWATCH_KEY come from the
// environment; NODE_PATH points at the installed packages. Any difference exits non-zero.
'use strict';
const assert = require('node:assert/strict');
const odatajs = require('ts-odatajs');

const base = process.env.BASE_URL;
const key = process.env.DRIFTWATCH_KEY;
assert.ok(base && key, 'BASE_URL and DRIFTWATCH_KEY must be set');
// ts-odatajs's node HTTP client ignores request.user/password, so Basic goes in as the header the
// Power BI and Excel dialogs send.
const basic = 'Basic ' + Buffer.from('powerbi:' + key).toString('base64');
const root = base + '/odata/v4';

function read(requestUri, extraHeaders, handler) {
  return new Promise((resolve, reject) => {
    odatajs.oData.read(
      { requestUri, headers: { Authorization: basic, ...extraHeaders } },
      (data, response) => resolve({ data, response }),
      (err) => {
        const r = err.response || {};
        reject(new Error(`${requestUri}: ${err.message} (${r.statusCode}) ${String(r.body || '').slice(0, 300)}`));
      },
      handler,
    );
  });
}

async function main() {
  // $metadata through the client's own CSDL parser.
  const { data: md } = await read(root + '/$metadata', {}, odatajs.oData.metadataHandler);
  assert.equal(md.version, '4.0', 'edmx Version');
  const schemas = md.dataServices.schema;
  const types = new Map();
  let sets = [];
  for (const s of schemas) {
    for (const t of s.entityType || []) types.set(s.namespace + '.' + t.name, t);
    if (s.entityContainer) sets = sets.concat(s.entityContainer.entitySet || []);
  }
  assert.ok(sets.length >= 3, `entity sets: ${sets.length}`);
  for (const set of sets) {
    const t = types.get(set.entityType);
    assert.ok(t, `entity set ${set.name}: type ${set.entityType} not in the schema`);
    const keys = (t.key && t.key.propertyRef) || [];
    assert.ok(keys.length > 0, `entity type ${t.name} has no key`);
    const props = new Set(t.property.map((p) => p.name));
    for (const k of keys) assert.ok(props.has(k.name), `${t.name}: key ${k.name} is not a property`);
  }
  const casesSet = sets.find((s) => s.name === 'rhi_timeliness_cases');
  assert.ok(casesSet, 'rhi_timeliness_cases entity set missing');
  assert.ok(sets.some((s) => s.name === 'scorecard'), 'scorecard entity set missing');
  const casesType = types.get(casesSet.entityType);
  assert.deepEqual(casesType.key.propertyRef.map((k) => k.name), ['case_id']);
  const startProp = casesType.property.find((p) => p.name === 'start');
  assert.equal(startProp && startProp.type, 'Edm.Date', 'rhi_timeliness_cases.start type');
  console.log(`ts-odatajs: $metadata has ${sets.length} entity sets, ${types.size} entity types, each with a key`);

  // The entity set, paged (25 a page) to the end by following @odata.nextLink.
  let rows = [];
  let pages = 0;
  let next = root + '/rhi_timeliness_cases';
  while (next) {
    const { data } = await read(next, { Prefer: 'odata.maxpagesize=25' });
    assert.ok(Array.isArray(data.value), `page ${pages + 1} has no value array`);
    rows = rows.concat(data.value);
    pages += 1;
    assert.ok(pages < 1000, 'nextLink does not end');
    next = data['@odata.nextLink'];
    if (next) {
      assert.ok(!next.includes(key), 'the key leaked into @odata.nextLink');
      next = new URL(next, root + '/').href;
    }
  }

  // The same query on /v1, fetched directly.
  const res = await fetch(base + '/v1/indicators/rhi-timeliness/cases?limit=1000', {
    headers: { Authorization: 'Bearer ' + key },
  });
  assert.equal(res.status, 200, '/v1 cases status');
  const v1 = (await res.json()).data;
  assert.ok(v1.length > 25, `only ${v1.length} cases on /v1: paging not exercised`);
  assert.equal(rows.length, v1.length, 'row count OData vs /v1');
  assert.ok(pages > 1, `one page only (${pages})`);
  rows.forEach((r, i) => {
    const j = v1[i];
    for (const f of ['case_id', 'child_id', 'team', 'status']) {
      assert.equal(r[f], j[f], `row ${i} ${f}`);
    }
    // Edm.Date start; /v1 may carry an instant or a date: compare the calendar date.
    assert.equal(String(r.start).slice(0, 10), String(j.start).slice(0, 10), `row ${i} start`);
  });
  console.log(`ts-odatajs: ${rows.length} cases in ${pages} pages (Basic credentials), equal to /v1`);
}

main().catch((e) => {
  console.error('ts-odatajs client check FAILED:', e && e.stack ? e.stack : e);
  process.exit(1);
});
