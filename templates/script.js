#!/usr/bin/env node
// Template: do one operation for every item, record per-item failures, hand back one summary.
//
// Runs as-is:  node script.js --items alpha --items beta --dry-run
// Parameters come from $AO_PARAMS (JSON) when set, else from CLI arguments (--name value,
// booleans as bare flags, arrays by repeating the flag). Node stdlib only.
// To make it yours: edit PARAMS (mirror script.json), collectItems (gather ALL inputs first)
// and processItem (one item; throw to mark it failed). The rest is the ao contract.
// Exit 0 all succeeded, 1 any item failed, 2 bad input.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

// --- ao runtime contract -------------------------------------------------------------
const PARAMS = {
  items: { type: 'array', default: ['alpha', 'beta', 'gamma'] },
  dry_run: { type: 'boolean', default: false },
};
const WORKSPACE = process.env.AO_WORKSPACE || process.cwd();

function die(message, code = 2) {
  process.stderr.write(`${path.basename(process.argv[1])}: ${message}\n`);
  process.exit(code);
}

function loadParams() {
  let raw = {};
  if (process.env.AO_PARAMS) {
    try {
      raw = JSON.parse(fs.readFileSync(process.env.AO_PARAMS, 'utf8'));
    } catch (err) {
      die(`cannot read AO_PARAMS ${process.env.AO_PARAMS}: ${err.message}`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) die('AO_PARAMS must hold a JSON object');
  } else {
    const byFlag = {};
    for (const name of Object.keys(PARAMS)) byFlag[`--${name.replace(/_/g, '-')}`] = name;
    const args = process.argv.slice(2);
    for (let i = 0; i < args.length; i++) {
      const flag = args[i];
      const negated = flag.startsWith('--no-') ? byFlag[`--${flag.slice(5)}`] : undefined;
      const name = byFlag[flag] || negated;
      if (!name) die(`unrecognized argument: ${flag}`);
      const spec = PARAMS[name];
      if (spec.type === 'boolean') { raw[name] = !negated; continue; }
      if (i + 1 >= args.length) die(`${flag} needs a value`);
      const value = args[++i];
      if (spec.type === 'array') (raw[name] = raw[name] || []).push(value);
      else raw[name] = value;
    }
  }
  const params = {};
  for (const [name, spec] of Object.entries(PARAMS)) {
    let value = raw[name];
    if (value === undefined || value === null) {
      if (spec.required) die(`missing required parameter: ${name}`);
      value = spec.default;
    } else if (spec.type === 'array') {
      value = (Array.isArray(value) ? value : [value]).map(String);
    } else if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') value = ['true', '1', 'yes'].includes(String(value).toLowerCase());
    } else if (spec.type === 'integer') {
      value = Number(value);
      if (!Number.isInteger(value)) die(`parameter ${name}: expected integer, got ${raw[name]}`);
    } else {
      value = String(value);
    }
    params[name] = value;
  }
  return params;
}

function finish(lines, outputs, code) {
  let text = lines.slice(0, 40).join('\n').trimEnd() + '\n';
  if (Buffer.byteLength(text) > 4000) text = Buffer.from(text).subarray(0, 3980).toString() + '\n... (cut)\n';
  if (process.env.AO_SUMMARY) fs.writeFileSync(process.env.AO_SUMMARY, text);
  else process.stdout.write(text);
  if (process.env.AO_OUTPUT) {
    fs.appendFileSync(process.env.AO_OUTPUT, Object.entries(outputs).map(([k, v]) => `${k}=${v}\n`).join(''));
  }
  process.exit(code);
}
// --- end of ao runtime contract --------------------------------------------------------

function collectItems(params) {
  // Gather every input first (one list call or the parameter); throw on bad input.
  const items = params.items.map((item) => item.trim());
  if (items.some((item) => !item)) throw new Error('items must not contain empty strings');
  return items;
}

function processItem(item, params, rawLog) {
  // Do the work for ONE item; return a short result or throw. Raw output goes to rawLog.
  if (params.dry_run) return 'would process';
  const proc = spawnSync('echo', [`processed ${item}`], { encoding: 'utf8', timeout: 60000 });
  if (proc.error) throw proc.error;
  fs.appendFileSync(rawLog, `### ${item} (exit ${proc.status})\n${proc.stdout}${proc.stderr}`);
  if (proc.status !== 0) throw new Error((proc.stderr.trim().split('\n')[0]) || `exit ${proc.status}`);
  return proc.stdout.trim();
}

function main() {
  const params = loadParams();
  let items;
  try {
    items = collectItems(params);
  } catch (err) {
    die(err.message);
  }
  // the workspace is removed after the run; $AO_ARTIFACTS is kept with it (ao runs show <id>)
  const rawLog = path.join(process.env.AO_ARTIFACTS || WORKSPACE, 'raw.log');
  fs.writeFileSync(rawLog, '');
  console.log(`processing ${items.length} items`);

  const done = [];
  const failed = [];
  for (const item of items) {
    try {
      processItem(item, params, rawLog);
      done.push(item);
    } catch (err) { // per-item: record and carry on
      failed.push(`${item}: ${String(err.message || err).slice(0, 200)}`);
    }
  }

  const verb = params.dry_run ? 'would process' : 'processed';
  const lines = [`# Template run${params.dry_run ? ' (dry run)' : ''}`,
    `${verb} ${done.length} of ${items.length} items, ${failed.length} failed.`];
  if (failed.length) lines.push('', 'Failed:', ...failed.slice(0, 15).map((line) => `- ${line}`));
  if (done.length) lines.push('', `${verb}: ${done.slice(0, 30).join(', ')}${done.length > 30 ? ' ...' : ''}`);
  lines.push('', process.env.AO_ARTIFACTS
    ? `Raw output: \`raw.log\` in the run's artifacts (\`ao runs show ${process.env.AO_RUN_ID || ''}\`)`
    : `Raw output: ${rawLog}`);
  finish(lines, { total: items.length, succeeded: done.length, failed: failed.length }, failed.length ? 1 : 0);
}

main();
