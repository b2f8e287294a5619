// The runtime conformance scenario: the same small job in every JavaScript runtime seqgrad supports (Node,
// Deno, Bun, workerd, Chromium), each importing the built package as its users would. It trains a small
// character-level LSTM for a few steps from a seed, generates tokens, and round-trips the weights through
// safetensors, and returns its numbers with the kernel path it took, as one JSON-ready object; the runners
// beside it print that object as one line. test/runtimes/compare.cjs holds every runtime's numbers to
// Node's. Plain ECMAScript only: no Node, Deno, Bun or browser API.

const TEXT = [
  'The quick brown fox jumps over the lazy dog. ',
  'A stitch in time saves nine. ',
  'Peter Piper picked a peck of pickled peppers. ',
  'She sells sea shells by the sea shore. ',
].join('').repeat(3)

/** FNV-1a over bytes, 32 bits, as 8 hex digits: a fingerprint of a file that any runtime computes alike. */
export function fnv1a32(bytes) {
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193)
  return (hash >>> 0).toString(16).padStart(8, '0')
}

/**
 * Whether this runtime's WebAssembly has relaxed SIMD: it validates a function () → v128 returning
 * f32x4.relaxed_madd (0xfd 0x105) of three zero vectors. Asked here, apart from seqgrad, to check its choice.
 */
export function validatesRelaxedSimd() {
  const zeros = [0xfd, 0x0c, ...new Array(16).fill(0)]
  const body = [0x00, ...zeros, ...zeros, ...zeros, 0xfd, 0x85, 0x02, 0x0b]
  const bytes = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // '\0asm', version 1
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () → v128
    0x03, 0x02, 0x01, 0x00, // one function of that type
    0x0a, body.length + 2, 0x01, body.length, ...body, // its code
  ])
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytes)
}

/** Whether two tensors hold the same dtype, shape and bits. */
function sameBits(a, b) {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength)
  return x.length === y.length && x.every((v, i) => v === y[i])
}

/**
 * Runs the scenario on `seqgrad` (the package's root module, as imported in this runtime). `runtime` and
 * `kernels` say where it runs and how the WebAssembly kernels were had: 'emitted' (compiled by seqgrad at
 * load time), 'precompiled' (a module of dist/seqgrad-kernels.wasm given to useWasmKernels) or 'none' (no
 * WebAssembly). The result also says whether the kernels used relaxed SIMD's multiply-add (`fma`, from
 * seqgrad's hasFma) and whether the runtime has relaxed SIMD at all (`relaxedSimd`). Anything else the
 * runner wants reported goes in `extra`.
 */
export function conformance(seqgrad, { runtime, kernels, extra = {} }) {
  const { LanguageModel, CharTokenizer, Adam, trainLanguageModel, saveSafetensors, loadSafetensors, manualSeed, hasSimd, hasFma } = seqgrad
  manualSeed(2024)
  const tokenizer = new CharTokenizer(TEXT)
  const ids = tokenizer.encode(TEXT)
  const options = { vocabSize: tokenizer.vocabSize, embeddingDim: 8, hiddenSize: 32, cell: 'lstm' }
  const model = new LanguageModel(options)
  const optimizer = new Adam(model.parameters(), { lr: 1e-2 })
  const { history } = trainLanguageModel({ model, optimizer, train: ids, batchSize: 4, bptt: 16, steps: 6, clipNorm: 1 })

  const prompt = Array.from(tokenizer.encode('The '))
  const generate = (m) => m.generate({ prompt, maxTokens: 24, temperature: 0.8, seed: 5 })
  const generated = generate(model)

  const state = model.stateDict()
  const weights = {}
  for (const name of Object.keys(state).sort()) {
    const data = state[name].data
    let sum = 0
    let sumAbs = 0
    for (let i = 0; i < data.length; i++) {
      sum += data[i]
      sumAbs += Math.abs(data[i])
    }
    weights[name] = { sum, sumAbs, first: Array.from(data.subarray(0, 3)) }
  }

  const file = saveSafetensors(state, { scenario: 'conformance' })
  const loaded = loadSafetensors(file)
  const fresh = new LanguageModel(options)
  fresh.loadStateDict(loaded.tensors)
  return {
    runtime,
    kernels,
    simd: hasSimd(),
    fma: hasFma(),
    relaxedSimd: validatesRelaxedSimd(),
    losses: history.map((step) => step.loss),
    gradNorms: history.map((step) => step.gradNorm),
    weights,
    generated,
    text: tokenizer.decode(generated),
    safetensors: {
      bytes: file.length,
      fnv1a32: fnv1a32(file),
      sameTensors: Object.keys(state).every((name) => name in loaded.tensors && sameBits(state[name], loaded.tensors[name])) && Object.keys(loaded.tensors).length === Object.keys(state).length,
      metadata: loaded.metadata.scenario ?? null,
      sameGeneration: generate(fresh).join() === generated.join(),
    },
    ...extra,
  }
}
