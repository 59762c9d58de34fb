#!/usr/bin/env node
// Runs a TypeScript file of this repo without a build step: compiles .ts files with swc as they are
// required and resolves the @samverkan/* library aliases. Used by `npm run token`, `npm run bench` and
// by tests that start a worker process.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');
const swcOptions = require('./swc-options');

const root = path.resolve(__dirname, '..');
const aliases = /^@samverkan\/(common|sealing|eventstore|ledger|messaging|vault|sql)(\/.*)?$/;

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const match = aliases.exec(request);
  if (match) request = path.join(root, 'libs', match[1], 'src', match[2] ?? '');
  return resolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...swcOptions, filename });
  module._compile(code, filename);
};

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(file), ...args];
require(path.resolve(file));
