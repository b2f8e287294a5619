// Seq2Seq: an encoder–decoder after Cho et al. (2014). The encoder reads the source; its last state starts
// the decoder, and its summary c (the top layer's final h) joins the decoder's input at every step, so each
// prediction sees c, the previous target token and the decoder's state. Training uses teacher forcing
// (the true previous token is fed); decoding feeds back the model's own greedy or sampled choices.
import { noGrad } from '../autograd/engine.js'
import { linear } from '../autograd/ops/linear.js'
import type { FloatDType } from '../tensor/dtype.js'
import { floatDType } from '../tensor/dtype.js'
import { Generator, defaultGenerator } from '../tensor/random.js'
import { formatShape } from '../tensor/shape.js'
import { Tensor } from '../tensor/tensor.js'
import { describe, checkPositiveInt, checkOneOf, checkOptionKeys } from '../validation/checks.js'
import { Embedding } from './layers.js'
import { Module, uniformParameter } from './module.js'
import { recurrentLayer, runRecurrent, type Impl, type RecurrentState } from './recurrent.js'
import type { GRU, LSTM } from './recurrent.js'
import { argmax, sampleToken } from './sampling.js'

export interface Seq2SeqOptions {
  sourceVocabSize: number
  targetVocabSize: number
  embeddingDim: number
  hiddenSize: number
  cell?: 'gru' | 'lstm'
  numLayers?: number
  /** The encoder's and decoder's path: 'fused' (default) or 'reference', the cells' equations, which createGraph can differentiate twice. */
  impl?: Impl
  dtype?: FloatDType
}

export interface DecodeOptions {
  /** Token that starts every decoded sequence (fed first, not returned). */
  bos: number
  /** Decoding of a sequence ends after this token (returned). */
  eos: number
  maxLength: number
  /** 'greedy' takes the most likely token; 'sample' draws with temperature / topK / topP. */
  strategy?: 'greedy' | 'sample'
  temperature?: number
  topK?: number
  topP?: number
  seed?: number
  /** Each source sequence's length when the sources are padded at the end (see Seq2Seq.encode). */
  sourceLengths?: ArrayLike<number> | Tensor
}

function checkTokens(where: string, name: string, t: unknown, vocab: number): Tensor {
  if (!(t instanceof Tensor) || t.dtype !== 'int32' || t.ndim !== 2) {
    throw new Error(`${where}: ${name} must be int32 tokens [B, T], got ${t instanceof Tensor ? `${t.dtype} ${formatShape(t.shape)}` : describe(t)}`)
  }
  const bad = t.data.findIndex((id) => id < 0 || id >= vocab)
  if (bad >= 0) throw new Error(`${where}: ${name} holds ${t.data[bad]} at flat index ${bad}, outside the vocabulary [0, ${vocab})`)
  return t
}

export class Seq2Seq extends Module {
  readonly sourceEmbedding: Embedding
  readonly targetEmbedding: Embedding
  readonly encoder: GRU | LSTM
  readonly decoder: GRU | LSTM
  private readonly opts: Required<Omit<Seq2SeqOptions, 'dtype'>>
  private readonly outWeight: Tensor
  private readonly outBias: Tensor

  constructor(opts: Seq2SeqOptions) {
    super()
    const where = 'Seq2Seq'
    checkOptionKeys(where, opts, ['sourceVocabSize', 'targetVocabSize', 'embeddingDim', 'hiddenSize', 'cell', 'numLayers', 'impl', 'dtype'])
    const dtype = floatDType(where, opts.dtype)
    this.opts = {
      sourceVocabSize: checkPositiveInt(where, 'sourceVocabSize', opts.sourceVocabSize),
      targetVocabSize: checkPositiveInt(where, 'targetVocabSize', opts.targetVocabSize),
      embeddingDim: checkPositiveInt(where, 'embeddingDim', opts.embeddingDim),
      hiddenSize: checkPositiveInt(where, 'hiddenSize', opts.hiddenSize),
      cell: checkOneOf(where, 'cell', opts.cell ?? 'gru', ['gru', 'lstm']),
      numLayers: checkPositiveInt(where, 'numLayers', opts.numLayers ?? 1),
      impl: checkOneOf<Impl>(where, 'impl', opts.impl ?? 'fused', ['fused', 'reference']),
    }
    const { embeddingDim: E, hiddenSize: H, cell, numLayers, impl } = this.opts
    this.sourceEmbedding = this.registerModule('source_embedding', new Embedding({ numEmbeddings: this.opts.sourceVocabSize, embeddingDim: E, dtype }))
    this.targetEmbedding = this.registerModule('target_embedding', new Embedding({ numEmbeddings: this.opts.targetVocabSize, embeddingDim: E, dtype }))
    this.encoder = this.registerModule('encoder', recurrentLayer(cell, { inputSize: E, hiddenSize: H, numLayers, dropout: 0, impl, dtype }) as GRU | LSTM)
    this.decoder = this.registerModule('decoder', recurrentLayer(cell, { inputSize: E + H, hiddenSize: H, numLayers, dropout: 0, impl, dtype }) as GRU | LSTM)
    const bound = 1 / Math.sqrt(H)
    this.outWeight = this.registerParameter('out.weight', uniformParameter([this.opts.targetVocabSize, H], bound, dtype))
    this.outBias = this.registerParameter('out.bias', uniformParameter([this.opts.targetVocabSize], bound, dtype))
  }

  /**
   * Reads the source: the decoder's starting state and the summary c [B, H]. With sourceLengths (sources of
   * different lengths padded at the end), both are each source's state after its own last token, as the
   * encoder's lengths give them (PyTorch's packed sequences), so padding changes nothing.
   */
  encode(source: Tensor, sourceLengths?: ArrayLike<number> | Tensor): { state: RecurrentState; context: Tensor } {
    checkTokens('Seq2Seq.encode', 'source', source, this.opts.sourceVocabSize)
    const { state } = runRecurrent(this.encoder, this.sourceEmbedding.forward(source), undefined, sourceLengths === undefined ? undefined : { lengths: sourceLengths })
    const layers = state.h.shape[0]
    return { state, context: state.h.slice(0, layers - 1, layers).squeeze(0) }
  }

  /** Decoder steps over `inputs` [B, T] from `state`: logits [B, T, targetVocab] and the new state. */
  decodeSteps(inputs: Tensor, state: RecurrentState, context: Tensor): { logits: Tensor; state: RecurrentState } {
    checkTokens('Seq2Seq.decode', 'target inputs', inputs, this.opts.targetVocabSize)
    const [B, T] = inputs.shape
    const embedded = this.targetEmbedding.forward(inputs)
    const withContext = embedded.cat(context.unsqueeze(1).expand([B, T, this.opts.hiddenSize]), -1)
    const { output, state: next } = runRecurrent(this.decoder, withContext, state)
    return { logits: linear(output, this.outWeight, this.outBias), state: next }
  }

  /**
   * Teacher forcing: `decoderInputs` is the target shifted right (bos, y₁ … y_{T−1}); returns logits for
   * y₁ … y_T. opts.sourceLengths: see encode. Targets of different lengths need no option: the decoder
   * reads left to right, so give the padded positions' targets crossEntropy's ignoreIndex.
   */
  forward(source: Tensor, decoderInputs: Tensor, opts?: { sourceLengths?: ArrayLike<number> | Tensor }): Tensor {
    if (source instanceof Tensor && decoderInputs instanceof Tensor && source.shape[0] !== decoderInputs.shape[0]) {
      throw new Error(`Seq2Seq.forward: source has batch ${source.shape[0]} but decoderInputs has ${decoderInputs.shape[0]}`)
    }
    if (opts !== undefined) checkOptionKeys('Seq2Seq.forward', opts, ['sourceLengths'])
    const { state, context } = this.encode(source, opts?.sourceLengths)
    return this.decodeSteps(decoderInputs, state, context).logits
  }

  /** Decodes every source sequence, one token at a time, without gradients; returns token ids per sequence. */
  decode(source: Tensor, opts: DecodeOptions): number[][] {
    checkOptionKeys('Seq2Seq.decode', opts, ['bos', 'eos', 'maxLength', 'strategy', 'temperature', 'topK', 'topP', 'seed', 'sourceLengths'])
    const { bos, eos, maxLength, strategy = 'greedy', temperature, topK, topP, seed, sourceLengths } = opts
    const V = this.opts.targetVocabSize
    for (const [name, id] of [['bos', bos], ['eos', eos]] as const) {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`Seq2Seq.decode: ${name} must be a token id in [0, ${V}), got ${describe(id)}`)
    }
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`Seq2Seq.decode: maxLength must be a positive integer, got ${describe(maxLength)}`)
    const generator = seed === undefined ? defaultGenerator : new Generator(seed)
    const wasTraining = this.training
    this.eval()
    try {
      return noGrad(() => {
        const B = source.shape[0]
        let { state, context } = this.encode(source, sourceLengths)
        const results: number[][] = Array.from({ length: B }, () => [])
        const done = new Array<boolean>(B).fill(false)
        let input = new Tensor(new Int32Array(B).fill(bos), [B, 1])
        for (let t = 0; t < maxLength && done.includes(false); t++) {
          const step = this.decodeSteps(input, state, context)
          state = step.state
          input = Tensor.zeros([B, 1], 'int32')
          for (let b = 0; b < B; b++) {
            const logits = step.logits.data.subarray(b * V, (b + 1) * V)
            const token = strategy === 'greedy' ? argmax(logits) : sampleToken(logits, { temperature, topK, topP, generator })
            input.data[b] = token
            if (done[b]) continue
            results[b].push(token)
            if (token === eos) done[b] = true
          }
        }
        return results
      })
    } finally {
      this.train(wasTraining)
    }
  }
}
