// Data-parallel training in Node's worker threads after useExactKernels(true): prints one JSON line, whether
// this thread has relaxed SIMD's multiply-add and the trained weights' bits (as hex), so a run under
// --experimental-wasm-relaxed-simd can be held to a run without it.
const { Adam, LanguageModel, hasFma, manualSeed, trainLanguageModel, useExactKernels } = await import(new URL('../../dist/esm/index.js', import.meta.url).href)
const { nodeTrainingWorkers } = await import(new URL('../../dist/esm/cli/train-workers.js', import.meta.url).href)
const fmaBefore = hasFma()
useExactKernels(true)
manualSeed(0)
const ids = Int32Array.from({ length: 8 * 33 }, (_, i) => (i * 7 + (i >> 5)) % 13)
const model = new LanguageModel({ vocabSize: 13, embeddingDim: 8, hiddenSize: 16 })
const optimizer = new Adam(model.parameters(), { lr: 3e-3 })
const workers = nodeTrainingWorkers(2)
try {
  const r = await trainLanguageModel({ model, optimizer, train: ids, batchSize: 8, bptt: 16, steps: 3, clipNorm: 1, workers })
  const bits = model.parameters().map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString('hex')).join('')
  console.log(JSON.stringify({ fmaBefore, threads: r.threads, bits }))
} finally {
  workers.close()
}
