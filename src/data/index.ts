// seqgrad/data: data for the built-in tasks and stream batching — the adding problem, the embedded Reber
// grammar, the copy task, and the B parallel streams of truncated BPTT. The root exports the same module
// as the namespace `data` (`data.addingBatch`), so the browser bundle has it too.
export { batchStreams, streamWindow, type StreamBatches } from './batching.js'
export { addingBatch, ADDING_BASELINE_MSE, type AddingBatch } from './tasks/adding.js'
export { copyBatch, copyRecallAccuracy, type CopyBatch, type CopyOptions } from './tasks/copy.js'
export { embeddedReberString, embeddedReberText, embeddedReberEntropies, embeddedReberNextSymbols, isEmbeddedReber, reberString, REBER_SYMBOLS } from './tasks/reber.js'
