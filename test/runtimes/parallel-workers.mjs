// trainLanguageModel({ workers: 2 }) with the runtime's own standard Worker on the built package's worker
// script (Deno, Bun): prints one JSON line, one thread's run and two workers' (threads, notice, losses).
const { LanguageModel, Adam, trainLanguageModel, manualSeed } = await import(new URL('../../dist/esm/index.js', import.meta.url).href)
const ids = Int32Array.from({ length: 8 * 40 }, (_, i) => (i * 7 + (i >> 3)) % 11)
const run = async (workers) => {
  manualSeed(1)
  const model = new LanguageModel({ vocabSize: 11, embeddingDim: 5, hiddenSize: 7 })
  const optimizer = new Adam(model.parameters(), { lr: 0.01 })
  const r = await trainLanguageModel({ model, optimizer, train: ids, batchSize: 8, bptt: 8, steps: 6, clipNorm: 1, workers })
  return { threads: r.threads, notice: r.notice ?? null, losses: r.history.map((h) => h.loss) }
}
console.log(JSON.stringify([await run(1), await run(2)]))
