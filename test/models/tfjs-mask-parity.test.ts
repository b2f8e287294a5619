// forward(x, state, { mask }) against TensorFlow.js 4.22 (scripts/gen-tfjs-mask-fixtures.mjs wrote the numbers):
// simpleRNN, LSTM and GRU (reset_after=false, tfjs's only GRU), alone from an initial state and in a
// Bidirectional wrapper, on a mask with leading, inner and trailing masked steps, a fully masked row and a row
// of one step. The final states must agree, and so must the outputs of unmasked steps. At a masked step
// seqgrad outputs 0 (Keras's zero_output_for_mask) where tfjs repeats the state it carries: the test checks
// that tfjs's value there is exactly the state seqgrad carried (its last output in reading order, or the
// initial state), so the two differ in that one documented choice only.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GRU, LSTM, RNN, Tensor, fromKerasWeights } from '../../src/index.js'

interface Weights {
  kernel: number[]
  recurrentKernel: number[]
  bias: number[]
}

interface Case {
  kind: 'simple_rnn' | 'lstm' | 'gru'
  bidirectional: boolean
  B: number
  T: number
  D: number
  U: number
  x: number[]
  mask: number[]
  weights: Weights[]
  h0?: number[]
  c0?: number[]
  output: number[]
  h: number[]
  c?: number[]
}

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'tfjs', 'mask.json'), 'utf8')) as { tfjs: string; cases: Case[] }
const GATES = { simple_rnn: 1, lstm: 4, gru: 3 }
const f64 = (values: number[], shape: number[]) => new Tensor(Float64Array.from(values), shape)

function layerFor(c: Case): RNN | LSTM | GRU {
  const opts = { inputSize: c.D, hiddenSize: c.U, batchFirst: true, bidirectional: c.bidirectional, dtype: 'float64' as const }
  const layer = c.kind === 'lstm' ? new LSTM(opts) : c.kind === 'gru' ? new GRU({ ...opts, resetAfter: false }) : new RNN(opts)
  const G = GATES[c.kind]
  const dict: Record<string, Tensor> = {}
  c.weights.forEach((w, dir) => {
    const one = fromKerasWeights(c.kind, { kernel: f64(w.kernel, [c.D, G * c.U]), recurrentKernel: f64(w.recurrentKernel, [c.U, G * c.U]), bias: f64(w.bias, [G * c.U]) }, c.kind === 'gru' ? { resetAfter: false } : undefined)
    for (const [key, t] of Object.entries(one)) dict[dir === 1 ? `${key}_reverse` : key] = t
  })
  layer.loadStateDict(dict)
  return layer
}

test('the fixture is TensorFlow.js 4.22’s, with every kind alone and bidirectional', () => {
  expect(fixture.tfjs).toBe('4.22.0')
  expect(fixture.cases.map((c) => `${c.kind}${c.bidirectional ? ' bidirectional' : ''}`).sort()).toEqual(['gru', 'gru bidirectional', 'lstm', 'lstm bidirectional', 'simple_rnn', 'simple_rnn bidirectional'])
})

test.each(fixture.cases.map((c) => [`${c.kind}${c.bidirectional ? ' bidirectional' : ''}`, c] as const))('%s under a mask matches TensorFlow.js', (_name, c) => {
  const layer = layerFor(c)
  const x = f64(c.x, [c.B, c.T, c.D])
  const mask = f64(c.mask, [c.B, c.T])
  const h0 = c.h0 && f64(c.h0, [1, c.B, c.U])
  const r = layer instanceof LSTM ? layer.forward(x, h0 && { h: h0, c: f64(c.c0 as number[], [1, c.B, c.U]) }, { mask }) : layer.forward(x, h0 && { h: h0 }, { mask })
  const tol = 2e-6 // tfjs computes in float32
  const dirs = c.bidirectional ? 2 : 1
  r.h.data.forEach((v, k) => expect(Math.abs(v - c.h[k])).toBeLessThanOrEqual(tol))
  if ('c' in r && r.c instanceof Tensor) r.c.data.forEach((v, k) => expect(Math.abs(v - (c.c as number[])[k])).toBeLessThanOrEqual(tol))
  for (let b = 0; b < c.B; b++) {
    for (let dir = 0; dir < dirs; dir++) {
      // what tfjs repeats at a masked step: the state carried so far, in this direction's reading order
      let carried = Array.from({ length: c.U }, (_, j) => (c.h0 ? c.h0[b * c.U + j] : 0))
      for (let s = 0; s < c.T; s++) {
        const t = dir === 0 ? s : c.T - 1 - s
        const at = (b * c.T + t) * dirs * c.U + dir * c.U
        const ours = Array.from(r.output.data.subarray(at, at + c.U))
        const theirs = c.output.slice(at, at + c.U)
        if (c.mask[b * c.T + t] === 1) {
          ours.forEach((v, j) => expect(Math.abs(v - theirs[j])).toBeLessThanOrEqual(tol))
          carried = ours
        } else {
          expect(ours).toEqual(new Array(c.U).fill(0))
          theirs.forEach((v, j) => expect(Math.abs(v - carried[j])).toBeLessThanOrEqual(tol))
        }
      }
    }
  }
})
