// CellStack (cells/stepper.ts): batch-1 inference one step at a time through a stack of unidirectional
// layers, by the fused path's step kernels and fixedMatVec products. In float64 both it and the layer's
// fused forward accumulate every product in double in column order and share the step kernels, so
// stepping T tokens one at a time equals RNN/LSTM/GRU.forward on the whole [T, 1, D] sequence bit for bit
// at every step; the reference path (the equations op by op) agrees within 1e-12; float32 stays within
// 1e-5 of float64 from the same weights, and from T = 4 steps (where the fused input projection runs on
// the float32 SIMD gemm) equals the float32 fused forward bit for bit. The weights are documented as read
// when the stack is made: later in-place changes must not be seen.
//
// LanguageModel.stream/generate run on CellStack and a fixedMatVec decoder: in float64, greedy and seeded
// sampling give the ids of a manual loop over model.forward (state carried, or the whole growing
// sequence) with argmax / sampleToken on its last logits, tied weights included; float32 likewise against
// the growing-sequence loop once the prompt has 4 tokens; the weights are documented as read when the
// first id is asked for (loadStateDict or an in-place change mid-stream is not seen); training mode is
// restored; nothing is recorded for autograd.
import fc from 'fast-check'
import { CellStack } from '../../../src/cells/fused/stepper.js'
import type { CellMode as CellKind } from '../../../src/cells/kinds.js'
import { GRU, LSTM, RNN, Generator, LanguageModel, Tensor, isGradEnabled, manualSeed, noGrad, sampleToken, type CellKind as CellName, type FloatDType, type RecurrentState, type TypedArray } from '../../../src/index.js'
import { argmax } from '../../../src/internals.js'
import { newLayer, type Layer } from '../../helpers/layers.js'

const { abs, max, sqrt } = Math

const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru']

interface Case {
  kind: CellKind
  numLayers: number
  D: number
  H: number
  T: number
  bias: boolean
  seed: number
}

const describeCase = (c: Case) => `${c.kind} layers=${c.numLayers} D=${c.D} H=${c.H} T=${c.T} bias=${c.bias} seed=${c.seed}`

const caseArb: fc.Arbitrary<Case> = fc.record({
  kind: fc.constantFrom(...KINDS),
  numLayers: fc.integer({ min: 1, max: 3 }),
  D: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constantFrom(16, 33)),
  // around the 4-float lanes of the activation kernels and the 8-row panels of the products
  H: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(15, 16, 17, 24)),
  T: fc.integer({ min: 1, max: 12 }),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
})

/** Each kind with 1, 2 and 3 layers, plus a long sequence: where every property run starts. */
const EXAMPLES: [Case][] = [
  ...KINDS.flatMap((kind, k) => [1, 2, 3].map((numLayers) => ({ kind, numLayers, D: 3 + numLayers, H: 5 + 2 * k, T: 7, bias: true, seed: 10 * k + numLayers }))),
  { kind: 'lstm' as const, numLayers: 2, D: 5, H: 9, T: 60, bias: true, seed: 99 },
  { kind: 'gru' as const, numLayers: 3, D: 1, H: 1, T: 20, bias: false, seed: 98 },
].map((c) => [c])

const makeLayer = (c: Case, dtype: FloatDType, impl: 'fused' | 'reference' = 'fused'): Layer =>
  newLayer(c.kind, { inputSize: c.D, hiddenSize: c.H, numLayers: c.numLayers, bias: c.bias, dtype, impl })

/** Float64 values drawn from `gen` in [−bound, bound], rounded through float32 so a float32 copy holds the very same numbers. */
function draw(gen: Generator, size: number, bound: number): Float64Array {
  const values = new Float64Array(size)
  gen.fillUniform(values, -bound, bound)
  return Float64Array.from(Float32Array.from(values))
}

/** A float64 layer with the case's weights (uniform in ±1/√H, as PyTorch initialises), float32-representable. */
function float64Layer(c: Case, impl: 'fused' | 'reference' = 'fused'): Layer {
  const layer = makeLayer(c, 'float64', impl)
  const gen = new Generator(c.seed)
  for (const p of layer.parameters()) p.data.set(draw(gen, p.size, 1 / sqrt(c.H)))
  return layer
}

/** The same weights in another layer of the case (other dtype or impl). */
function copyOf(layer: Layer, c: Case, dtype: FloatDType, impl: 'fused' | 'reference' = 'fused'): Layer {
  const other = makeLayer(c, dtype, impl)
  other.loadStateDict(layer.stateDict())
  return other
}

/** The case's input sequence, T·D values in [−1, 1], float32-representable. */
const inputs = (c: Case) => draw(new Generator(c.seed + 1), c.T * c.D, 1)

const PAD = 3

/** The inputs laid out after PAD values, so steps read x at an offset. */
function padded(x: Float64Array, Kind: typeof Float32Array | typeof Float64Array): Float32Array | Float64Array {
  const out = new Kind(PAD + x.length + 2).fill(1e3)
  out.set(x, PAD)
  return out
}

function stackOf(layer: Layer): CellStack {
  const params = Array.from({ length: layer.numLayers }, (_, l) => layer.cellParams(l))
  return new CellStack(layer.cellKind, params, layer.hiddenSize, layer.dtype)
}

/** The top layer's h at every step of layer.forward on the whole [T, 1, D] sequence, [T·H]. */
function forwardOutputs(layer: Layer, c: Case, x: Float64Array): TypedArray {
  const seq = new Tensor(layer.dtype === 'float32' ? Float32Array.from(x) : Float64Array.from(x), [c.T, 1, c.D])
  const { output } = noGrad(() => layer.forward(seq))
  expect(output.shape).toEqual([c.T, 1, c.H])
  return output.data
}

/** Steps `stack` through the sequence and hands `check` each step's output (copied). */
function stepThrough(stack: CellStack, c: Case, x: Float64Array, check: (t: number, h: Float64Array) => void): void {
  const xs = padded(x, stack.dtype === 'float32' ? Float32Array : Float64Array)
  for (let t = 0; t < c.T; t++) {
    stack.step(xs, PAD + t * c.D)
    expect(stack.output.length).toBe(c.H)
    check(t, Float64Array.from(stack.output))
  }
}

describe('CellStack against the layer', () => {
  test('cellKind names the layer’s cell', () => {
    expect(new LSTM({ inputSize: 1, hiddenSize: 1 }).cellKind).toBe('lstm')
    expect(new GRU({ inputSize: 1, hiddenSize: 1 }).cellKind).toBe('gru')
    expect(new RNN({ inputSize: 1, hiddenSize: 1 }).cellKind).toBe('rnn_tanh')
    expect(new RNN({ inputSize: 1, hiddenSize: 1, nonlinearity: 'relu' }).cellKind).toBe('rnn_relu')
  })

  test('float64: stepping one token at a time equals the fused forward on the whole sequence bit for bit, at every step', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const layer = float64Layer(c)
        const x = inputs(c)
        const want = forwardOutputs(layer, c, x)
        stepThrough(stackOf(layer), c, x, (t, h) => {
          for (let j = 0; j < c.H; j++) {
            if (!Object.is(h[j], want[t * c.H + j])) throw new Error(`${describeCase(c)}: step ${t}, h[${j}] = ${h[j]}, the fused forward gives ${want[t * c.H + j]}`)
          }
        })
      }),
      { numRuns: 60, examples: EXAMPLES },
    )
  })

  test('float64: equals the reference path (the equations op by op) within 1e-12 at every step', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const layer = float64Layer(c)
        const x = inputs(c)
        const want = forwardOutputs(copyOf(layer, c, 'float64', 'reference'), c, x)
        stepThrough(stackOf(layer), c, x, (t, h) => {
          for (let j = 0; j < c.H; j++) {
            const err = abs(h[j] - want[t * c.H + j])
            if (!(err <= 1e-12)) throw new Error(`${describeCase(c)}: step ${t}, h[${j}] = ${h[j]}, the reference path gives ${want[t * c.H + j]}`)
          }
        })
      }),
      { numRuns: 40, examples: EXAMPLES },
    )
  })

  test('float32: within 1e-5 (relative above 1) of float64 from the same weights, at every step', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const layer = float64Layer(c)
        const x = inputs(c)
        const want = forwardOutputs(layer, c, x)
        stepThrough(stackOf(copyOf(layer, c, 'float32')), c, x, (t, h) => {
          for (let j = 0; j < c.H; j++) {
            const ref = want[t * c.H + j]
            if (!(abs(h[j] - ref) <= 1e-5 * max(1, abs(ref)))) throw new Error(`${describeCase(c)}: step ${t}, float32 h[${j}] = ${h[j]}, float64 gives ${ref}`)
          }
        })
      }),
      { numRuns: 40, examples: EXAMPLES },
    )
  })

  test('float32, T ≥ 4: equals the float32 fused forward bit for bit at every step (both accumulate in float32 in column order)', () => {
    // From 4 rows the fused path's input projection X·W_ihᵀ runs on the float32 SIMD gemm, which
    // accumulates in float32 in k order, as fixedMatVec does; its W_hh products do the same at any T.
    fc.assert(
      fc.property(caseArb.filter((c) => c.T >= 4), (c) => {
        const layer = copyOf(float64Layer(c), c, 'float32')
        const x = inputs(c)
        const want = forwardOutputs(layer, c, x)
        stepThrough(stackOf(layer), c, x, (t, h) => {
          for (let j = 0; j < c.H; j++) {
            if (!Object.is(h[j], want[t * c.H + j])) throw new Error(`${describeCase(c)}: step ${t}, h[${j}] = ${h[j]}, the float32 fused forward gives ${want[t * c.H + j]}`)
          }
        })
      }),
      { numRuns: 40, examples: EXAMPLES.filter(([c]) => c.T >= 4) },
    )
  })

  test('two stacks on the same weights step independently', () => {
    const c: Case = { kind: 'lstm', numLayers: 2, D: 4, H: 6, T: 9, bias: true, seed: 5 }
    const layer = float64Layer(c)
    const x = inputs(c)
    const want = forwardOutputs(layer, c, x)
    const a = stackOf(layer), b = stackOf(layer)
    const xs = padded(x, Float64Array)
    // b runs two steps behind a, so their buffers hold different states throughout
    for (let t = 0; t < c.T + 2; t++) {
      if (t < c.T) a.step(xs, PAD + t * c.D)
      if (t >= 2) b.step(xs, PAD + (t - 2) * c.D)
      if (t < c.T) expect(Array.from(a.output)).toEqual(Array.from(want.subarray(t * c.H, (t + 1) * c.H)))
      if (t >= 2) expect(Array.from(b.output)).toEqual(Array.from(want.subarray((t - 2) * c.H, (t - 1) * c.H)))
    }
  })

  test.each<FloatDType>(['float32', 'float64'])('%s: the weights are read when the stack is made; later changes to them are not seen', (dtype) => {
    for (const kind of KINDS) {
      const c: Case = { kind, numLayers: 2, D: 4, H: 6, T: 5, bias: true, seed: 7 }
      const layer = float64Layer(c)
      const x = inputs(c)
      const want = forwardOutputs(layer, c, x)
      const live = dtype === 'float64' ? layer : copyOf(layer, c, 'float32')
      const stack = stackOf(live)
      for (const p of live.parameters()) p.data.fill(0.5)
      // the change matters: the changed layer gives other outputs
      expect(Array.from(forwardOutputs(live, c, x))).not.toEqual(Array.from(want))
      stepThrough(stack, c, x, (t, h) => {
        for (let j = 0; j < c.H; j++) {
          const ref = want[t * c.H + j]
          if (!(abs(h[j] - ref) <= 1e-5 * max(1, abs(ref)))) throw new Error(`${dtype} ${kind}: step ${t}, h[${j}] = ${h[j]} after the weights changed, the weights at creation give ${ref}`)
        }
      })
    }
  })
})

// ---------------------------------------------------------------------------------------------
// LanguageModel generation

const V = 13

interface ModelCase {
  cell: CellName
  numLayers: number
  tie: boolean
  dtype?: FloatDType
  dropout?: number
  seed: number
}

const MODEL_CASES: ModelCase[] = (['rnn', 'lstm', 'gru'] as CellName[]).flatMap((cell, k) =>
  [1, 2].flatMap((numLayers) => [false, true].map((tie) => ({ cell, numLayers, tie, seed: 100 + 10 * k + 2 * numLayers + Number(tie) }))),
)
const PROMPTS = [[3, 1, 4, 1, 5], [0], [12, 12], [7, 2, 9], [5, 11, 6, 8, 10, 1], [4]]

/**
 * A model of the case. Its recurrent and decoder weights are scaled up 3× from the default initialisation:
 * at the default scale the decoder bias dominates these small models and greedy runs settle on one id at
 * once, which would make an equality of greedy runs cheap.
 */
function makeModel(m: ModelCase): LanguageModel {
  manualSeed(m.seed)
  const model = new LanguageModel({ vocabSize: V, embeddingDim: m.tie ? 8 : 6, hiddenSize: 8, numLayers: m.numLayers, cell: m.cell, tieWeights: m.tie, dropout: m.dropout ?? 0, dtype: m.dtype ?? 'float64' })
  for (const [name, p] of Object.entries(model.namedParameters())) {
    if (name === 'decoder.weight' || name.startsWith('rnn.weight')) for (let i = 0; i < p.size; i++) p.data[i] *= 3
  }
  return model
}

const idsTensor = (ids: readonly number[]) => new Tensor(Int32Array.from(ids), [1, ids.length])

/** The last row of [1, T, V] logits. */
function lastLogits(logits: Tensor): TypedArray {
  const T = logits.shape[1]
  return logits.data.slice((T - 1) * V, T * V)
}

/** `count` ids by forward() with the state carried from call to call, each picked from the last logits. */
function carriedLoop(model: LanguageModel, prompt: number[], count: number, pick: (logits: TypedArray) => number): number[] {
  return noGrad(() => {
    const out: number[] = []
    let { logits, state } = model.forward(idsTensor(prompt))
    while (out.length < count) {
      const token = pick(lastLogits(logits))
      out.push(token)
      const next: { logits: Tensor; state: RecurrentState } = model.forward(idsTensor([token]), state)
      ;({ logits, state } = next)
    }
    return out
  })
}

/** `count` ids by forward() on the whole growing sequence each time (no state carried). */
function growingLoop(model: LanguageModel, prompt: number[], count: number, pick: (logits: TypedArray) => number): number[] {
  return noGrad(() => {
    const seq = [...prompt]
    const out: number[] = []
    while (out.length < count) {
      const token = pick(lastLogits(model.forward(idsTensor(seq)).logits))
      out.push(token)
      seq.push(token)
    }
    return out
  })
}

/** How many distinct ids a run holds: a run stuck on one id would make an equality between runs cheap. */
const distinct = (ids: number[]) => new Set(ids).size

describe('LanguageModel generation on CellStack', () => {
  describe.each(MODEL_CASES)('$cell, $numLayers layer(s), tieWeights $tie (float64)', (m) => {
    const prompt = [3, 1, 4, 1, 5]

    test('greedy (temperature 0) equals argmax of forward()’s last logits, state carried, for 40 tokens after each of 6 prompts', () => {
      const model = makeModel(m)
      const runs = PROMPTS.map((p) => model.generate({ prompt: p, maxTokens: 40, temperature: 0 }))
      runs.forEach((got, k) => expect(got).toEqual(carriedLoop(model, PROMPTS[k], 40, argmax)))
      // not one id throughout: the runs depend on the logits of every step
      expect(distinct(runs.flat())).toBeGreaterThanOrEqual(3)
    })

    test('greedy equals the loop that runs forward() on the whole growing sequence, for 15 tokens', () => {
      const model = makeModel(m)
      for (const p of PROMPTS.slice(0, 3)) expect(model.generate({ prompt: p, maxTokens: 15, temperature: 0 })).toEqual(growingLoop(model, p, 15, argmax))
    })

    test.each([
      { temperature: 1, topK: undefined, topP: undefined, seed: 1 },
      { temperature: 0.7, topK: 5, topP: undefined, seed: 2 },
      { temperature: 1.3, topK: undefined, topP: 0.9, seed: 3 },
      { temperature: 0.9, topK: 8, topP: 0.8, seed: 4 },
    ])('seeded sampling (temperature $temperature, topK $topK, topP $topP) equals sampleToken on forward()’s logits, for 40 tokens', ({ temperature, topK, topP, seed }) => {
      const model = makeModel(m)
      const got = model.generate({ prompt, maxTokens: 40, temperature, topK, topP, seed: seed + m.seed })
      const generator = new Generator(seed + m.seed)
      const want = carriedLoop(model, prompt, 40, (logits) => sampleToken(logits, { temperature, topK, topP, generator }))
      expect(got).toEqual(want)
      expect(distinct(want)).toBeGreaterThan(2)
    })
  })

  test.each(['rnn', 'lstm', 'gru'] as CellName[])('float32 %s: with a prompt of 4 or more tokens, greedy and seeded sampling equal the growing-sequence loop over forward()', (cell) => {
    // forward() on T ≥ 4 rows runs its products on the float32 SIMD gemm, accumulating in float32 in column
    // order as the stream's fixedMatVec products do, and adds the decoder bias in float32 as the stream does.
    for (const tie of [false, true]) {
      const model = makeModel({ cell, numLayers: 2, tie, dtype: 'float32', seed: 41 })
      const prompt = [5, 11, 6, 8]
      expect(model.generate({ prompt, maxTokens: 25, temperature: 0 })).toEqual(growingLoop(model, prompt, 25, argmax))
      const generator = new Generator(9)
      const want = growingLoop(model, prompt, 25, (logits) => sampleToken(logits, { temperature: 0.8, topK: 6, generator }))
      expect(model.generate({ prompt, maxTokens: 25, temperature: 0.8, topK: 6, seed: 9 })).toEqual(want)
      expect(distinct(want)).toBeGreaterThan(2)
    }
  })

  test('stream yields the ids of generate one at a time, and a one-token prompt works', () => {
    for (const m of MODEL_CASES) {
      const model = makeModel(m)
      const streamed: number[] = []
      for (const id of model.stream({ prompt: [7], maxTokens: 25, temperature: 0.8, seed: 11 })) streamed.push(id)
      expect(streamed).toEqual(model.generate({ prompt: [7], maxTokens: 25, temperature: 0.8, seed: 11 }))
      const generator = new Generator(11)
      expect(streamed).toEqual(carriedLoop(model, [7], 25, (logits) => sampleToken(logits, { temperature: 0.8, generator })))
    }
  })

  test('generation runs in evaluation mode (no dropout) and restores the training flag', () => {
    const m: ModelCase = { cell: 'lstm', numLayers: 2, tie: false, dropout: 0.5, seed: 7 }
    const model = makeModel(m)
    expect(model.training).toBe(true)
    const got = model.generate({ prompt: [2, 9], maxTokens: 30, temperature: 0.8, seed: 5 })
    expect(model.training).toBe(true)
    model.eval()
    const generator = new Generator(5)
    expect(got).toEqual(carriedLoop(model, [2, 9], 30, (logits) => sampleToken(logits, { temperature: 0.8, generator })))
    model.generate({ prompt: [2, 9], maxTokens: 3 })
    expect(model.training).toBe(false)
    // a stream left early (break closes it) also restores the flag
    model.train()
    for (const id of model.stream({ prompt: [1], maxTokens: 50, seed: 1 })) if (id >= 0) break
    expect(model.training).toBe(true)
    expect(model.drop.training).toBe(true)
    expect(model.rnn.training).toBe(true)
  })

  test.each<FloatDType>(['float32', 'float64'])('%s: generation records nothing for autograd: no graph node is attached and .grad stays null', (dtype) => {
    const model = makeModel({ cell: 'gru', numLayers: 2, tie: true, dtype, seed: 8 })
    const attach = jest.spyOn(Tensor.prototype, 'attachGradFn')
    try {
      expect(isGradEnabled()).toBe(true)
      model.generate({ prompt: [1, 2, 3], maxTokens: 20, seed: 3 })
      expect(attach).not.toHaveBeenCalled()
      // the spy does see graph building: one forward() with gradients on attaches nodes
      model.forward(idsTensor([1, 2]))
      expect(attach).toHaveBeenCalled()
    } finally {
      attach.mockRestore()
    }
    expect(isGradEnabled()).toBe(true)
    for (const p of model.parameters()) expect(p.grad).toBeNull()
  })

  describe.each<FloatDType>(['float32', 'float64'])('%s: the weights are read when the first id is asked for', (dtype) => {
    const prompt = [4, 2]
    const opts = { prompt, maxTokens: 24, temperature: 0.9, seed: 21 }
    const BEFORE = 4

    /** Takes BEFORE ids from a stream, lets `change` modify the model, then takes the rest. */
    function streamAcrossChange(model: LanguageModel, change: () => void): number[] {
      const stream = model.stream(opts)
      const ids: number[] = []
      for (let i = 0; i < BEFORE; i++) ids.push(stream.next().value as number)
      change()
      for (const id of stream) ids.push(id)
      return ids
    }

    test.each(['rnn', 'lstm', 'gru'] as CellName[])('%s: loading other weights mid-stream changes none of the ids', (cell) => {
      const m: ModelCase = { cell, numLayers: 2, tie: false, dtype, seed: 31 }
      const model = makeModel(m)
      const want = model.generate(opts)
      const other = makeModel({ ...m, seed: 32 })
      // the other weights do give other ids
      expect(other.generate(opts)).not.toEqual(want)
      expect(streamAcrossChange(model, () => model.loadStateDict(other.stateDict()))).toEqual(want)
    })

    test('no single parameter changed mid-stream is seen (each checked alone)', () => {
      const m: ModelCase = { cell: 'lstm', numLayers: 1, tie: false, dtype, seed: 33 }
      const seen: string[] = []
      const names = Object.keys(makeModel(m).namedParameters())
      for (const name of names) {
        const model = makeModel(m)
        const want = model.generate(opts)
        const p = model.namedParameters()[name]
        const replacement = new Float64Array(p.size)
        new Generator(name.length).fillUniform(replacement, -3, 3)
        // the replacement alone changes the ids of a fresh run
        const changed = makeModel(m)
        changed.namedParameters()[name].data.set(replacement)
        expect(changed.generate(opts)).not.toEqual(want)
        const got = streamAcrossChange(model, () => p.data.set(replacement))
        if (got.join() !== want.join()) seen.push(name)
      }
      expect(names.length).toBe(7)
      expect(seen).toEqual([])
    })
  })
})
