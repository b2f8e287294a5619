// Keras configs: kerasLayerOptions reads the keys that say what a Keras SimpleRNN, LSTM or GRU computes
// and refuses what seqgrad cannot compute, naming it; fromKerasLayer builds that layer with its weights;
// toKerasLayer gives a layer's config and weights back; fromKerasWeights checks the weights against a
// config; toKerasWeights refuses state dicts holding what a Keras layer cannot (a projection, a second
// layer, a reverse direction). Every refusal leaves nothing built and says what came.
import fc from 'fast-check'
import { fromKerasLayer, fromKerasWeights, GRU, kerasLayerOptions, LSTM, randn, RNN, toKerasLayer, toKerasWeights, type KerasKind, type KerasLayerConfig, type RecurrentActivation } from '../../src/index.js'
import { expectPlainError } from '../helpers/errors.js'
import { maxDiff } from '../helpers/max-diff.js'

const GATES: Record<KerasKind, number> = { simple_rnn: 1, lstm: 4, gru: 3 }
const weightsFor = (kind: KerasKind, D: number, U: number, bias: boolean | 'two' = true) => ({
  kernel: randn([D, GATES[kind] * U], { dtype: 'float64' }),
  recurrentKernel: randn([U, GATES[kind] * U], { dtype: 'float64' }),
  ...(bias === 'two' ? { bias: randn([2, GATES[kind] * U], { dtype: 'float64' }) } : bias ? { bias: randn([GATES[kind] * U], { dtype: 'float64' }) } : {}),
})

describe('kerasLayerOptions', () => {
  test('reads activation, recurrent_activation, use_bias, reset_after and time_major into the layer options', () => {
    expect(kerasLayerOptions('simple_rnn', { units: 4, activation: 'linear', use_bias: false })).toEqual({ hiddenSize: 4, bias: false, batchFirst: true, nonlinearity: 'linear' })
    expect(kerasLayerOptions('simple_rnn', { units: 4, activation: 'relu', time_major: true })).toEqual({ hiddenSize: 4, bias: true, batchFirst: false, nonlinearity: 'relu' })
    expect(kerasLayerOptions('lstm', { units: 3, activation: 'tanh', recurrent_activation: 'hard_sigmoid' })).toEqual({ hiddenSize: 3, bias: true, batchFirst: true, recurrentActivation: 'hardSigmoid' })
    expect(kerasLayerOptions('gru', { units: 3, recurrent_activation: 'sigmoid', reset_after: true })).toEqual({ hiddenSize: 3, bias: true, batchFirst: true, recurrentActivation: 'sigmoid', resetAfter: true })
    // no reset_after: TensorFlow.js's GRU (and Keras 1's), reset_after=False
    expect(kerasLayerOptions('gru', { units: 3, recurrent_activation: 'hard_sigmoid' }).resetAfter).toBe(false)
  })

  test('passes over what does not change the computation: initializers, unit_forget_bias, regularizers, dropout, return_*, stateful, implementation', () => {
    const config: KerasLayerConfig = {
      name: 'lstm_1', trainable: true, dtype: 'float32', batch_input_shape: [null, 3, 2], units: 2, activation: 'tanh', recurrent_activation: 'sigmoid',
      use_bias: true, kernel_initializer: { class_name: 'Ones', config: {} }, unit_forget_bias: true, kernel_regularizer: null, activity_regularizer: null,
      recurrent_constraint: null, dropout: 0.2, recurrent_dropout: 0.1, return_sequences: true, return_state: false, go_backwards: false, stateful: true, unroll: false, implementation: 2,
    }
    expect(kerasLayerOptions('lstm', config)).toEqual({ hiddenSize: 2, bias: true, batchFirst: true, recurrentActivation: 'sigmoid' })
  })

  test('refuses what seqgrad cannot compute, naming it', () => {
    const lstm = { units: 2, activation: 'tanh', recurrent_activation: 'sigmoid' }
    expectPlainError(() => kerasLayerOptions('lstm', { ...lstm, activation: 'softsign' }), /^kerasLayerOptions: the Keras LSTM has activation the string "softsign"; seqgrad's LSTM computes its candidate and tanh\(c'\) with 'tanh' only$/)
    expectPlainError(() => kerasLayerOptions('simple_rnn', { units: 2, activation: 'softsign' }), /the Keras SimpleRNN has activation the string "softsign"; seqgrad's RNN computes 'tanh', 'relu' or 'linear'/)
    expectPlainError(() => kerasLayerOptions('gru', { ...lstm, recurrent_activation: 'relu' }), /the Keras GRU has recurrent_activation the string "relu"; seqgrad's gates compute 'sigmoid' or 'hard_sigmoid'/)
    expectPlainError(() => kerasLayerOptions('gru', { ...lstm, recurrent_activation: 'hardSigmoid' }), /recurrent_activation the string "hardSigmoid" \(Keras writes 'hard_sigmoid'\)/)
    // Keras 3 redefined hard_sigmoid as relu6(a + 3) / 6; its configs carry seed (and use_cudnn), Keras 2's and tfjs's do not
    expectPlainError(() => kerasLayerOptions('gru', { ...lstm, recurrent_activation: 'hard_sigmoid', seed: null, use_cudnn: 'auto' }), /the Keras GRU config is Keras 3's \(it has seed and use_cudnn\), whose 'hard_sigmoid' is relu6\(a \+ 3\) \/ 6/)
    expect(kerasLayerOptions('gru', { ...lstm, seed: null, use_cudnn: 'auto' }).recurrentActivation).toBe('sigmoid')
    // Keras and TensorFlow.js read null as linear (activations.get(None)): a linear SimpleRNN, refused for the gates and the LSTM's and GRU's tanh
    expect(kerasLayerOptions('simple_rnn', { units: 2, activation: null }).nonlinearity).toBe('linear')
    expect(kerasLayerOptions('simple_rnn', { units: 2 }).nonlinearity).toBe('tanh')
    expectPlainError(() => kerasLayerOptions('lstm', { ...lstm, activation: null }), /^kerasLayerOptions: the Keras LSTM has activation null, which Keras reads as 'linear'; seqgrad's LSTM computes its candidate and tanh\(c'\) with 'tanh' only$/)
    expectPlainError(() => kerasLayerOptions('gru', { ...lstm, activation: null }), /the Keras GRU has activation null, which Keras reads as 'linear'; seqgrad's GRU computes its candidate with 'tanh' only$/)
    for (const kind of ['lstm', 'gru'] as const) {
      expectPlainError(() => kerasLayerOptions(kind, { ...lstm, recurrent_activation: null }), /^kerasLayerOptions: the Keras (LSTM|GRU) has recurrent_activation null, which Keras reads as 'linear': gates left unsquashed, which seqgrad's gates do not compute \(they compute 'sigmoid' or 'hard_sigmoid'\)$/)
    }
    expectPlainError(() => kerasLayerOptions('lstm', { units: 2, activation: 'tanh' }), /must name its recurrent_activation \('sigmoid' or 'hard_sigmoid'\): Keras's default was 'hard_sigmoid' up to Keras 2.2 and in TensorFlow.js, 'sigmoid' since/)
    expectPlainError(() => kerasLayerOptions('lstm', { ...lstm, go_backwards: true }), /go_backwards: true .*flip the input along time instead/)
    expectPlainError(() => kerasLayerOptions('lstm', { ...lstm, proj_size: 2 }), /the Keras LSTM config has 'proj_size', which seqgrad does not compute$/)
    expectPlainError(() => kerasLayerOptions('lstm', { ...lstm, reset_after: true }), /the Keras LSTM config has 'reset_after', which seqgrad does not compute/)
    expectPlainError(() => kerasLayerOptions('simple_rnn', { units: 2, recurrent_activation: 'sigmoid' }), /the Keras SimpleRNN config has 'recurrent_activation'/)
    expectPlainError(() => kerasLayerOptions('gru', { ...lstm, recurrentActivation: 'sigmoid' }), /'recurrentActivation', which seqgrad does not compute: Keras configs are snake_case, did you mean recurrent_activation\?/)
    expectPlainError(() => kerasLayerOptions('lstm', { ...lstm, units: 0 }), /config.units must be a positive integer, got number 0/)
    expectPlainError(() => kerasLayerOptions('lstm', { ...lstm, use_bias: 'yes' }), /config.use_bias must be true or false, got the string "yes"/)
    expectPlainError(() => kerasLayerOptions('gru', { ...lstm, reset_after: 1 }), /config.reset_after must be true or false, got number 1/)
    expectPlainError(() => kerasLayerOptions('lstm', null as unknown as KerasLayerConfig), /config must be a Keras layer config object/)
    expectPlainError(() => kerasLayerOptions('conv' as KerasKind, lstm), /kind must be 'simple_rnn', 'lstm' or 'gru'/)
  })
})

describe('fromKerasLayer and toKerasLayer', () => {
  const cases: { kind: KerasKind; config: KerasLayerConfig; bias: boolean | 'two'; make: (inputSize: number) => RNN | LSTM | GRU }[] = []
  for (const nonlinearity of ['tanh', 'relu', 'linear'] as const) {
    cases.push({ kind: 'simple_rnn', config: { units: 3, activation: nonlinearity }, bias: true, make: (inputSize) => new RNN({ inputSize, hiddenSize: 3, nonlinearity, batchFirst: true, dtype: 'float64' }) })
  }
  for (const [name, act] of [['sigmoid', 'sigmoid'], ['hard_sigmoid', 'hardSigmoid']] as [string, RecurrentActivation][]) {
    cases.push({ kind: 'lstm', config: { units: 3, activation: 'tanh', recurrent_activation: name }, bias: true, make: (inputSize) => new LSTM({ inputSize, hiddenSize: 3, recurrentActivation: act, batchFirst: true, dtype: 'float64' }) })
    for (const resetAfter of [true, false]) {
      cases.push({ kind: 'gru', config: { units: 3, activation: 'tanh', recurrent_activation: name, reset_after: resetAfter }, bias: resetAfter ? 'two' : true, make: (inputSize) => new GRU({ inputSize, hiddenSize: 3, recurrentActivation: act, resetAfter, batchFirst: true, dtype: 'float64' }) })
    }
  }

  test.each(cases.map((c) => [`${c.kind} ${JSON.stringify(c.config)}`, c] as const))('%s: the built layer computes what the options say, and toKerasLayer gives config and weights back', (_name, c) => {
    const weights = weightsFor(c.kind, 2, 3, c.bias)
    const layer = fromKerasLayer(c.kind, c.config, weights)
    const expected = c.make(2)
    expected.loadStateDict(fromKerasWeights(c.kind, weights, { config: c.config }))
    expect(layer.cellKind).toBe(expected.cellKind)
    expect(layer.dtype).toBe('float64')
    const x = randn([2, 4, 2], { dtype: 'float64' })
    expect(maxDiff(layer.forward(x).output.data, expected.forward(x).output.data)).toBe(0)
    const back = toKerasLayer(layer)
    expect(back.kind).toBe(c.kind)
    expect(back.config).toEqual({ units: 3, use_bias: true, ...c.config, ...(c.kind === 'simple_rnn' ? {} : { activation: 'tanh' }) })
    expect(maxDiff(back.weights.kernel.data, weights.kernel.data)).toBe(0)
    expect(maxDiff(back.weights.recurrentKernel.data, weights.recurrentKernel.data)).toBe(0)
    expect(maxDiff(back.weights.bias?.data ?? [NaN], weights.bias?.data ?? [])).toBe(0) // one bias: b_ih + 0
    // and what it gives builds the same layer again
    const again = fromKerasLayer(back.kind, back.config, back.weights)
    expect(maxDiff(again.forward(x).output.data, layer.forward(x).output.data)).toBe(0)
  })

  test('a layer round-trips through toKerasLayer and fromKerasLayer for random options (float32 by default)', () => {
    fc.assert(
      fc.property(fc.constantFrom<KerasKind>('simple_rnn', 'lstm', 'gru'), fc.boolean(), fc.constantFrom<RecurrentActivation>('sigmoid', 'hardSigmoid'), fc.boolean(), (kind, bias, recurrentActivation, resetAfter) => {
        const opts = { inputSize: 3, hiddenSize: 2, bias, batchFirst: true }
        const layer = kind === 'simple_rnn' ? new RNN({ ...opts, nonlinearity: 'relu' }) : kind === 'lstm' ? new LSTM({ ...opts, recurrentActivation }) : new GRU({ ...opts, recurrentActivation, resetAfter })
        const { config, weights } = toKerasLayer(layer)
        const copy = fromKerasLayer(kind, config, weights)
        expect(copy.dtype).toBe('float32')
        expect(copy.cellKind).toBe(layer.cellKind)
        const x = randn([2, 3, 3])
        expect(maxDiff(copy.forward(x).output.data, layer.forward(x).output.data)).toBeLessThanOrEqual(1e-6)
      }),
      { numRuns: 30 },
    )
  })

  test('weights that disagree with the config, and layers Keras cannot hold, are refused', () => {
    const lstm = { units: 3, activation: 'tanh', recurrent_activation: 'hard_sigmoid' }
    expectPlainError(() => fromKerasLayer('lstm', { ...lstm, use_bias: false }, weightsFor('lstm', 2, 3)), /^fromKerasLayer: config.use_bias is false but a bias was given$/)
    expectPlainError(() => fromKerasLayer('lstm', lstm, weightsFor('lstm', 2, 3, false)), /config.use_bias is true but no bias was given/)
    expectPlainError(() => fromKerasLayer('lstm', { ...lstm, units: 4 }, weightsFor('lstm', 2, 3)), /config.units is 4 but recurrentKernel has 3 units/)
    expectPlainError(() => fromKerasLayer('gru', { ...lstm, reset_after: false }, weightsFor('gru', 2, 3, 'two')), /bias must have shape \[9\] for a GRU with reset_after=False, got \[2, 9\]/)
    expectPlainError(() => fromKerasLayer('lstm', lstm, weightsFor('lstm', 2, 3), { dtype: 'int32' as 'float32' }), /dtype/)
    expectPlainError(() => fromKerasWeights('gru', weightsFor('gru', 2, 3, 'two'), { resetAfter: false, config: { ...lstm, reset_after: true } }), /resetAfter is false but config.reset_after is true; give one/)
    expectPlainError(() => toKerasLayer(new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2 })), /^toKerasLayer: a Keras recurrent layer is one layer in one direction; this one has 2 layers and 1 direction/)
    expectPlainError(() => toKerasLayer(new GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true })), /this one has 1 layer and 2 directions/)
    expectPlainError(() => toKerasLayer({} as RNN), /expected an RNN, LSTM or GRU layer/)
    expectPlainError(() => toKerasLayer(new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2 })), /^toKerasLayer: the LSTM has projSize 2; Keras's LSTM has no projection$/)
  })

  test('toKerasWeights refuses a projection, a second layer or a reverse direction instead of dropping it', () => {
    const sd = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true }).stateDict()
    expectPlainError(() => toKerasWeights('lstm', sd), /^toKerasWeights: the state dict has weight_ih_l0_reverse, a reverse direction \(Keras keeps it in a Bidirectional wrapper/)
    const two = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2 }).stateDict()
    expectPlainError(() => toKerasWeights('lstm', two), /the state dict has weight_ih_l1, a second layer \(a Keras layer is one layer/)
    const projected = new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2 }).stateDict()
    expectPlainError(() => toKerasWeights('lstm', projected), /the state dict has weight_hr_l0, the projection of LSTM\(\{ projSize \}\); Keras's LSTM has no projection/)
  })
})
