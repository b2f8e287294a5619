// A worker script that fails as it loads, for failing-worker.mjs.
throw new Error('this worker script fails on purpose')
