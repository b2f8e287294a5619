// Where the training worker script is: beside this module (dist/esm/optim/train-worker.js, and in the browser
// bundles dist/browser/train-worker.js). The CommonJS build has no import.meta: scripts/build.mjs rewrites
// this line there to point from dist/cjs/optim to the ES module script, which is what a module worker runs.
// @ts-ignore: import.meta is ES-module syntax, refused by the CommonJS type-check (see above)
export const trainWorkerUrl = (): URL => new URL('./train-worker.js', import.meta.url)
