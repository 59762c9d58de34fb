#!/usr/bin/env node
// `npx samverkan-audit ...`: runs the CLI's TypeScript source through the repo's swc require hook
// (scripts/run-ts.js), as `npm run token` does, so there is no build step to forget. npm links this file into
// node_modules/.bin because apps/audit is a workspace of the repo; Node resolves that link to this file, so
// the paths below are relative to the repository checkout.
'use strict';
const path = require('node:path');

const runTs = path.resolve(__dirname, '..', '..', '..', 'scripts', 'run-ts.js');
const main = path.resolve(__dirname, '..', 'src', 'main.ts');
process.argv = [process.argv[0], runTs, main, ...process.argv.slice(2)];
require(runTs);
