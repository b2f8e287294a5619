// brain.js 2.0 (beta) recurrent nets: `node brain.mjs <WORKLOAD> --warmup N --steps N`.
// brain.js trains one sequence at a time (batch 1 is all it does), so a training sample is one
// 64-character window and the JSON line carries "batch": 1 for the orchestrator's tokens/s and FLOPs.
// Its nets embed each character in an inputSize-wide learned row (here 65 = the vocabulary), add a
// START/END token (66 outputs), clip each gradient element to ±5 and update with RMSProp: the nearest
// it has to the workload, not the same optimiser.
import { createRequire } from 'node:module'
import { CHARSET, GEN_TOKENS, MATMUL, TRAIN, WINDOW, emit, parseCli, rng, timeUnits, unsupported } from './cli.mjs'

const CONTENDER = 'brain.js'
const { workload, warmup, steps } = parseCli(CONTENDER)
if (workload in MATMUL) unsupported(CONTENDER, workload, 'brain.js exposes no matrix product')

const require = createRequire(import.meta.url)
const brain = require('brain.js')

function makeNet(cell, hidden, maxPredictionLength = 100) {
  const Net = { lstm: brain.recurrent.LSTM, gru: brain.recurrent.GRU, rnn: brain.recurrent.RNN }[cell]
  // A formatter built from the whole 65-character set, so the vocabulary does not depend on the text.
  const dataFormatter = new brain.utilities.DataFormatter([CHARSET])
  const net = new Net({ hiddenLayers: [hidden], dataFormatter, maxPredictionLength })
  net.initialize()
  net.updateTrainingOptions({ learningRate: 2e-3 })
  return net
}

function text(length) {
  const next = rng(1)
  return Array.from({ length }, () => CHARSET[Math.floor(next() * CHARSET.length)]).join('')
}

function prepareTraining({ cell, hidden }) {
  const net = makeNet(cell, hidden)
  // One fixed window: trainPattern is forward + per-step softmax loss + backward + update.
  const window = net.options.dataFormatter.toIndexes(text(WINDOW))
  return () => net.trainPattern(window)
}

// net.run samples from the softmax (temperature 1) until it draws END or reaches maxPredictionLength,
// starting a fresh state each call; a sample runs it until 1,000 tokens have been drawn and is scaled to
// exactly 1,000 tokens (every drawn token, END included, cost one step).
function prepareGeneration() {
  const net = makeNet('lstm', 128, GEN_TOKENS)
  net.trainPattern(net.options.dataFormatter.toIndexes(text(WINDOW))) // binds the first equations
  return () => {
    let drawn = 0
    const start = performance.now()
    while (drawn < GEN_TOKENS) drawn += net.run('', true, 1).length + 1
    return ((performance.now() - start) * GEN_TOKENS) / drawn
  }
}

if (workload in TRAIN) {
  emit(CONTENDER, workload, timeUnits(prepareTraining(TRAIN[workload]), warmup, steps), { batch: 1 })
} else {
  const generate = prepareGeneration()
  for (let i = 0; i < warmup; i++) generate()
  emit(CONTENDER, workload, Array.from({ length: steps }, generate), { batch: 1 })
}
