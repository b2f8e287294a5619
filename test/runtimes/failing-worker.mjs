// trainLanguageModel with a pool whose workers fail as they start (Deno, Bun): the failure must reach the
// caller as the rejected promise, and the program go on after catching it. Prints what it caught, then "alive".
const { Adam, LanguageModel, TrainingWorkers, manualSeed, trainLanguageModel } = await import(new URL('../../dist/esm/index.js', import.meta.url).href)
const workers = new TrainingWorkers(2, () => new Worker(new URL('./throwing-worker.mjs', import.meta.url), { type: 'module' }))
manualSeed(0)
const ids = Int32Array.from({ length: 8 * 33 }, (_, i) => (i * 7 + (i >> 5)) % 13)
const model = new LanguageModel({ vocabSize: 13, embeddingDim: 8, hiddenSize: 16 })
try {
  await trainLanguageModel({ model, optimizer: new Adam(model.parameters(), { lr: 3e-3 }), train: ids, batchSize: 8, bptt: 16, steps: 3, workers })
  console.log('trained')
} catch (error) {
  console.log(`caught: ${error.message}`)
}
await new Promise((resolve) => setTimeout(resolve, 300))
console.log('alive')
