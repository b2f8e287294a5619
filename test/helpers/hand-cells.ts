// Independent float64 oracles for the cells' equations (DESIGN.md): plain loops over a state dict's numbers,
// no tensors and no library code, so the recorded gates can be checked against something else entirely.
import type { Tensor } from '../../src/index.js'

export type Kind =
  | 'rnn_tanh' | 'rnn_relu' | 'rnn_linear'
  | 'lstm' | 'lstm_hard_sigmoid'
  | 'gru' | 'gru_hard_sigmoid' | 'gru_reset_before' | 'gru_reset_before_hard_sigmoid'
/** Rows of numbers, [B][H] (or [B][D]); a Grid is [T][B][H], in time order. */
export type Rows = number[][]
export type Grid = number[][][]

export interface HandWeights {
  W_ih: ArrayLike<number>
  W_hh: ArrayLike<number>
  b_ih: ArrayLike<number> | null
  b_hh: ArrayLike<number> | null
}

const RNN = ['h'], LSTM = ['i', 'f', 'g', 'o', 'c'], GRU = ['r', 'z', 'n']
export const HAND_NAMES: Record<Kind, string[]> = {
  rnn_tanh: RNN, rnn_relu: RNN, rnn_linear: RNN, lstm: LSTM, lstm_hard_sigmoid: LSTM,
  gru: GRU, gru_hard_sigmoid: GRU, gru_reset_before: GRU, gru_reset_before_hard_sigmoid: GRU,
}
const base = (kind: Kind) => kind.replace('_hard_sigmoid', '')
const GATES: Record<string, number> = { rnn_tanh: 1, rnn_relu: 1, rnn_linear: 1, lstm: 4, gru: 3, gru_reset_before: 3 }
const logistic = (v: number) => 1 / (1 + Math.exp(-v))
/** Keras 2's and TensorFlow.js's hard sigmoid, clip(0.2·v + 0.5, 0, 1). */
export const handHardSigmoid = (v: number) => Math.min(1, Math.max(0, 0.2 * v + 0.5))

/** W x + b for one row of x: row r of the stacked weights, r in [0, G·H). */
function project(W: ArrayLike<number>, b: ArrayLike<number> | null, v: number[], rows: number): number[] {
  const out = new Array<number>(rows)
  for (let r = 0; r < rows; r++) {
    let s = b === null ? 0 : b[r]
    for (let d = 0; d < v.length; d++) s += W[r * v.length + d] * v[d]
    out[r] = s
  }
  return out
}

/** One step over a batch: what each cell shows (HAND_NAMES) and the new state. */
export function handStep(kind: Kind, w: HandWeights, x: Rows, h: Rows, c: Rows | null, H: number): { gates: Record<string, Rows>; h: Rows; c: Rows | null } {
  const sigmoid = kind.endsWith('_hard_sigmoid') ? handHardSigmoid : logistic
  const cell = base(kind)
  const gates: Record<string, Rows> = {}
  for (const name of HAND_NAMES[kind]) gates[name] = []
  const hNext: Rows = []
  const cNext: Rows = []
  x.forEach((xb, b) => {
    const ax = project(w.W_ih, w.b_ih, xb, GATES[cell] * H)
    const ah = project(w.W_hh, w.b_hh, h[b], GATES[cell] * H)
    const row = (name: string) => (gates[name][b] = new Array<number>(H))
    const hb = (hNext[b] = new Array<number>(H))
    if (cell === 'rnn_tanh' || cell === 'rnn_relu' || cell === 'rnn_linear') {
      const out = row('h')
      const act = cell === 'rnn_tanh' ? Math.tanh : cell === 'rnn_relu' ? (v: number) => Math.max(0, v) : (v: number) => v
      for (let j = 0; j < H; j++) out[j] = hb[j] = act(ax[j] + ah[j])
    } else if (cell === 'lstm') {
      const [i, f, g, o, cb] = ['i', 'f', 'g', 'o', 'c'].map(row)
      for (let j = 0; j < H; j++) {
        i[j] = sigmoid(ax[j] + ah[j])
        f[j] = sigmoid(ax[H + j] + ah[H + j])
        g[j] = Math.tanh(ax[2 * H + j] + ah[2 * H + j])
        o[j] = sigmoid(ax[3 * H + j] + ah[3 * H + j])
        cb[j] = f[j] * (c as Rows)[b][j] + i[j] * g[j]
        hb[j] = o[j] * Math.tanh(cb[j])
      }
      cNext[b] = cb
    } else if (cell === 'gru') {
      const [r, z, n] = ['r', 'z', 'n'].map(row)
      for (let j = 0; j < H; j++) {
        r[j] = sigmoid(ax[j] + ah[j])
        z[j] = sigmoid(ax[H + j] + ah[H + j])
        n[j] = Math.tanh(ax[2 * H + j] + r[j] * ah[2 * H + j])
        hb[j] = (1 - z[j]) * n[j] + z[j] * h[b][j]
      }
    } else {
      // Cho et al. 2014: n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn); ah's n block (W_hn h) is not used
      const [r, z, n] = ['r', 'z', 'n'].map(row)
      for (let j = 0; j < H; j++) {
        r[j] = sigmoid(ax[j] + ah[j])
        z[j] = sigmoid(ax[H + j] + ah[H + j])
      }
      const u = h[b].map((v, k) => r[k] * v)
      for (let j = 0; j < H; j++) {
        let hn = w.b_hh === null ? 0 : w.b_hh[2 * H + j]
        for (let k = 0; k < H; k++) hn += w.W_hh[(2 * H + j) * H + k] * u[k]
        n[j] = Math.tanh(ax[2 * H + j] + hn)
        hb[j] = (1 - z[j]) * n[j] + z[j] * h[b][j]
      }
    }
  })
  return { gates, h: hNext, c: cell === 'lstm' ? cNext : null }
}

/** One direction over a sequence: every step's values and h in time order, and the last state. */
export function handSequence(kind: Kind, w: HandWeights, xs: Grid, h0: Rows, c0: Rows | null, H: number, reverse: boolean) {
  const T = xs.length
  const trace: Record<string, Grid> = {}
  for (const name of HAND_NAMES[kind]) trace[name] = new Array<Rows>(T)
  const output: Grid = new Array<Rows>(T)
  let h = h0
  let c = c0
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s
    const step = handStep(kind, w, xs[t], h, c, H)
    for (const name of HAND_NAMES[kind]) trace[name][t] = step.gates[name]
    output[t] = step.h
    h = step.h
    c = step.c
  }
  return { trace, output, h, c }
}

/** A whole stacked (optionally bidirectional) layer from its state dict; no dropout. */
export function handLayer(kind: Kind, sd: Record<string, Tensor>, xs: Grid, numLayers: number, bidirectional: boolean, H: number, h0: Rows[], c0: Rows[] | null) {
  const dirs = bidirectional ? 2 : 1
  const traces: Record<string, Grid>[] = []
  const hLast: Rows[] = []
  const cLast: Rows[] = []
  let input = xs
  for (let layer = 0; layer < numLayers; layer++) {
    const outputs: Grid[] = []
    for (let dir = 0; dir < dirs; dir++) {
      const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`
      const w: HandWeights = {
        W_ih: sd[`weight_ih${suffix}`].data,
        W_hh: sd[`weight_hh${suffix}`].data,
        b_ih: sd[`bias_ih${suffix}`]?.data ?? null,
        b_hh: sd[`bias_hh${suffix}`]?.data ?? null,
      }
      const index = layer * dirs + dir
      const run = handSequence(kind, w, input, h0[index], c0 === null ? null : c0[index], H, dir === 1)
      traces.push(run.trace)
      outputs.push(run.output)
      hLast.push(run.h)
      if (run.c !== null) cLast.push(run.c)
    }
    // [forward, reverse] side by side on the feature dim
    input = outputs[0].map((rows, t) => rows.map((_, b) => outputs.flatMap((o) => o[t][b])))
  }
  return { traces, output: input, h: hLast, c: cLast }
}

/** Every number of a grid, in order. */
export const flat = (g: Grid | Rows): number[] => (g as unknown[]).flat(2) as number[]
