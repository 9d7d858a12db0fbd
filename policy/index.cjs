// Entry point for the Pulumi CLI. `pulumi preview --policy-pack policy` runs
// @pulumi/pulumi/cmd/run-policy-pack in this directory, which `require`s it (CommonJS, with ts-node
// registered for .ts files only). The pack and the rules it shares with the generator are ESM
// TypeScript (the repository is `"type": "module"`, run by tsx), so this shim registers tsx's ESM
// loader and imports ./index.ts, handing the runner a promise that settles once the PolicyPack is
// serving. (`require('tsx/esm/api').tsImport` fails from CommonJS with tsx 4.23 on Node 20.)
'use strict';

module.exports = import('tsx/esm')
  .then(() => import('./index.ts'))
  .then(() => undefined);
