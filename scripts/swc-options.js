// How this repo's TypeScript is compiled on the fly (jest, scripts/run-ts.js): legacy decorators with
// metadata, as Nest's dependency injection and class-validator need, to CommonJS.
'use strict';
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
