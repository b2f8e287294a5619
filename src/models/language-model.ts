// LanguageModel: embedding → stacked recurrent cell → linear decoder, predicting the next token.
// With tieWeights the decoder reuses the embedding matrix (Press & Wolf, 2017), so there is no
// decoder.weight in the state dict.
import { linear } from '../autograd/ops/linear.js'
import { fixedMatVec } from '../cells/fused/fixed-matvec.js'
import { CellStack } from '../cells/fused/stepper.js'
import type { GateTrace } from '../cells/kinds.js'
import type { FloatDType } from '../tensor/dtype.js'
import { floatDType, allocate } from '../tensor/dtype.js'
import { Generator, defaultGenerator } from '../tensor/random.js'
import { formatShape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe, checkPositiveInt, checkDropout, checkOneOf, checkOptionKeys, checkBoolean } from '../validation/checks.js'
import { recordGatesOption, type ForwardOptions } from './cells.js'
import { Dropout, Embedding } from './layers.js'
import { Module, uniformParameter } from './module.js'
import { recurrentLayer, runRecurrent, type CellKind, type GRU, type Impl, type LSTM, type RecurrentState, type RNN } from './recurrent.js'
import { sampleToken } from './sampling.js'

export interface LanguageModelOptions {
  vocabSize: number
  embeddingDim: number
  hiddenSize: number
  numLayers?: number
  cell?: CellKind
  dropout?: number
  /** The recurrent layer's recurrentDropout and inputDropout (see RecurrentOptions); 0 by default. */
  recurrentDropout?: number
  inputDropout?: number
  tieWeights?: boolean
  /** The recurrent layer's path: 'fused' (default) or 'reference', the cells' equations, which createGraph can differentiate twice. Changes no parameter. */
  impl?: Impl
  dtype?: FloatDType
}

export interface GenerateOptions {
  /** Token ids to condition on; at least one. */
  prompt: readonly number[]
  maxTokens: number
  temperature?: number
  topK?: number
  topP?: number
  /** Seeds a private generator, so the same call gives the same ids; without it the default generator draws. */
  seed?: number
  /** Generation ends after this token is produced (it is included). */
  stopToken?: number
}

export class LanguageModel extends Module {
  readonly vocabSize: number
  readonly cell: CellKind
  readonly embedding: Embedding
  readonly rnn: RNN | LSTM | GRU
  readonly drop: Dropout
  /** The options it was built with, defaults filled in: enough to build a twin (a training worker's copy). */
  readonly config: Required<LanguageModelOptions>
  private readonly decoderWeight: Tensor
  private readonly decoderBias: Tensor

  constructor(opts: LanguageModelOptions) {
    super()
    const where = 'LanguageModel'
    checkOptionKeys(where, opts, ['vocabSize', 'embeddingDim', 'hiddenSize', 'numLayers', 'cell', 'dropout', 'recurrentDropout', 'inputDropout', 'tieWeights', 'impl', 'dtype'])
    this.vocabSize = checkPositiveInt(where, 'vocabSize', opts.vocabSize)
    const embeddingDim = checkPositiveInt(where, 'embeddingDim', opts.embeddingDim)
    const hiddenSize = checkPositiveInt(where, 'hiddenSize', opts.hiddenSize)
    const numLayers = checkPositiveInt(where, 'numLayers', opts.numLayers ?? 1)
    this.cell = checkOneOf(where, 'cell', opts.cell ?? 'lstm', ['rnn', 'lstm', 'gru'])
    const dropout = checkDropout(where, opts.dropout ?? 0)
    const recurrentDropout = checkDropout(where, opts.recurrentDropout ?? 0, 'recurrentDropout')
    const inputDropout = checkDropout(where, opts.inputDropout ?? 0, 'inputDropout')
    const tie = checkBoolean(where, 'tieWeights', opts.tieWeights ?? false)
    const impl = checkOneOf<Impl>(where, 'impl', opts.impl ?? 'fused', ['fused', 'reference'])
    const dtype = floatDType(where, opts.dtype)
    this.config = { vocabSize: this.vocabSize, embeddingDim, hiddenSize, numLayers, cell: this.cell, dropout, recurrentDropout, inputDropout, tieWeights: tie, impl, dtype }
    if (tie && embeddingDim !== hiddenSize) throw new Error(`${where}: tieWeights needs embeddingDim (${embeddingDim}) equal to hiddenSize (${hiddenSize})`)
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: this.vocabSize, embeddingDim, dtype }))
    this.rnn = this.registerModule('rnn', recurrentLayer(this.cell, { inputSize: embeddingDim, hiddenSize, numLayers, dropout, recurrentDropout, inputDropout, impl, dtype }))
    this.drop = this.registerModule('drop', new Dropout({ p: dropout }))
    const bound = 1 / Math.sqrt(hiddenSize)
    this.decoderWeight = tie ? this.embedding.weight : this.registerParameter('decoder.weight', uniformParameter([this.vocabSize, hiddenSize], bound, dtype))
    this.decoderBias = this.registerParameter('decoder.bias', uniformParameter([this.vocabSize], bound, dtype))
  }

  /**
   * tokens: int32 [B, T] → logits [B, T, vocabSize] and the state after the last step. With recordGates,
   * also the recurrent layer's gates, one GateTrace of [B, T, H] tensors per layer. With lengths (texts of
   * different lengths padded at the end, see padSequences), the state is each text's after its own last
   * token and the recurrent output at padded steps is 0, so their logits are the decoder's bias alone:
   * give their targets crossEntropy's ignoreIndex (-100) to leave them out of the loss. (One signature, no
   * overloads, so that a loop feeding each call's state to the next still infers its types.)
   */
  forward(tokens: Tensor, state?: RecurrentState, opts?: ForwardOptions & { lengths?: ArrayLike<number> | Tensor }): { logits: Tensor; state: RecurrentState; gates?: GateTrace[] } {
    const recordGates = recordGatesOption('LanguageModel.forward', state, opts, ['lengths'])
    if (!(tokens instanceof Tensor) || tokens.dtype !== 'int32' || tokens.ndim !== 2) {
      const got = tokens instanceof Tensor ? `${tokens.dtype} ${formatShape(tokens.shape)}` : describe(tokens)
      throw new Error(`LanguageModel.forward: expected int32 tokens of shape [B, T], got ${got}`)
    }
    const embedded = this.drop.forward(this.embedding.forward(tokens))
    const lengths = opts?.lengths
    const { output, state: next, gates } = runRecurrent(this.rnn, embedded, state, recordGates || lengths !== undefined ? { recordGates, lengths } : undefined)
    const logits = linear(this.drop.forward(output), this.decoderWeight, this.decoderBias)
    return gates === undefined ? { logits, state: next } : { logits, state: next, gates }
  }

  /** Samples up to maxTokens new token ids after the prompt (see `stream`). */
  generate(opts: GenerateOptions): number[] {
    return [...this.stream(opts)]
  }

  /**
   * Yields new token ids one at a time, computed as in evaluation mode (no dropout) and without recording
   * gradients. The model's mode is never switched, so a stream left unfinished, or one that throws, leaves
   * it as it was. The weights are read when the first id is asked for: a stream does not see later changes
   * to them.
   */
  *stream(opts: GenerateOptions): IterableIterator<number> {
    const { prompt, maxTokens, temperature = 1, topK, topP, seed, stopToken } = opts ?? ({} as GenerateOptions)
    const where = 'LanguageModel.generate'
    checkOptionKeys(where, opts ?? {}, ['prompt', 'maxTokens', 'temperature', 'topK', 'topP', 'seed', 'stopToken'])
    if (!Array.isArray(prompt) || prompt.length === 0) throw new Error(`${where}: prompt must be a non-empty array of token ids, got ${describe(prompt)}`)
    prompt.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new Error(`${where}: prompt[${i}] = ${String(id)} is not a token id in [0, ${this.vocabSize})`)
    })
    if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new Error(`${where}: maxTokens must be a non-negative integer, got ${describe(maxTokens)}`)
    const generator = seed === undefined ? defaultGenerator : new Generator(seed)
    // One token at a time through the fused step kernels, weights packed once (src/cells/stepper.ts):
    // the same arithmetic as forward() in evaluation mode, without building a graph per token. Nothing
    // here reads the mode, so it is not switched: a switch made here could only be undone by a `finally`,
    // which an iterator abandoned between two ids never reaches.
    const rnn = this.rnn
    const H = rnn.hiddenSize, E = this.embedding.weight.shape[1], V = this.vocabSize
    const cells = new CellStack(rnn.cellKind, Array.from({ length: rnn.numLayers }, (_, l) => rnn.cellParams(l)), H, rnn.dtype)
    const decoder = fixedMatVec([{ data: this.decoderWeight.data, rows: V, cols: H }])
    const embeddings = this.embedding.weight.data.slice()
    const decoderBias = this.decoderBias.data.slice()
    const logits = allocate(rnn.dtype, V)
    const feed = (token: number) => cells.step(embeddings, token * E)
    prompt.forEach(feed)
    for (let n = 0; n < maxTokens; n++) {
      decoder.times(0, cells.output, 0, logits, 0)
      for (let v = 0; v < V; v++) logits[v] += decoderBias[v]
      const token = sampleToken(logits, { temperature, topK, topP, generator })
      yield token
      if (token === stopToken) return
      feed(token)
    }
  }
}
