// Evaluates Port scorecards over a catalog with json-rules-engine (the
// evaluator of Backstage's tech-insights), and prints how long the
// evaluation alone took: no file reading, no JSON parsing, no output.
// It is the other side of compare.sh; go test never runs it.
//
//   node evaluate.mjs <json-rules-engine dir> catalog.json scorecards.json 2026-11-26T09:00:00Z
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [modDir, catalogPath, scorecardsPath, nowArg] = process.argv.slice(2);
const require = createRequire(path.join(modDir, 'package.json'));
const { Engine } = require('json-rules-engine');

const now = new Date(nowArg);
const day = 24 * 3600 * 1000;
const presets = { // the presets the demo scorecards use, as prodready reads them
  lastMonth: [new Date(now - 30 * day), now],
  last3Months: [new Date(now - 90 * day), now],
};
const empty = (v) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);

function engineFor(sc) {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator('isNotEmpty', (f) => !empty(f));
  engine.addOperator('isEmpty', (f) => empty(f));
  engine.addOperator('beginsWith', (f, v) => typeof f === 'string' && f.startsWith(v));
  engine.addOperator('between', (f, v) => {
    const [from, to] = presets[v.preset];
    const t = new Date(f);
    return !isNaN(t) && t >= from && t <= to;
  });
  engine.addOperator('eq', (f, v) => f === v);
  engine.addOperator('ne', (f, v) => f !== v);
  const ops = { '=': 'eq', '!=': 'ne', '<': 'lessThan', '>': 'greaterThan', '<=': 'lessThanInclusive', '>=': 'greaterThanInclusive', in: 'in' };
  const cond = (c) => ({
    fact: c.relation !== undefined ? 'relation:' + c.relation : c.property,
    operator: ops[c.operator] ?? c.operator,
    value: c.value ?? null,
  });
  for (const r of sc.rules) {
    const conds = r.query.conditions.map(cond);
    engine.addRule({ name: r.identifier, conditions: r.query.combinator === 'or' ? { any: conds } : { all: conds }, event: { type: r.identifier } });
  }
  return engine;
}

const catalog = JSON.parse(readFileSync(catalogPath, 'utf8'));
const entities = Array.isArray(catalog) ? catalog : catalog.entities;
const scorecards = JSON.parse(readFileSync(scorecardsPath, 'utf8'));
const engines = scorecards.map(engineFor);
const facts = entities.map((e) => {
  const f = { ...(e.properties ?? {}), $team: e.team ?? [], $identifier: e.identifier, $title: e.title };
  for (const [k, v] of Object.entries(e.relations ?? {})) f['relation:' + k] = v;
  return f;
});

// Every rule of every scorecard on every entity (the demo's one filter,
// lifecycle != deprecated, would spare a thirtieth of them).
const t0 = process.hrtime.bigint();
let checks = 0, passes = 0;
for (const f of facts) {
  for (const engine of engines) {
    const { results, failureResults } = await engine.run(f);
    checks += results.length + failureResults.length;
    passes += results.length;
  }
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ entities: entities.length, ruleChecks: checks, rulesPassed: passes, ms }));
