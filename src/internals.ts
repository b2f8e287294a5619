// seqgrad/internals: the plumbing under the public API, for tests, benchmarks and the demo — a cell's
// sequence op on each path (reference and fused) and its gate trace, one step of a cell by name, the
// gates stacked in each weight, the one-token stepper and its packed mat-vec, the sampler's helpers over
// plain arrays, and the bytes of the WebAssembly kernel module. Not part of the API contract: these may
// change in any release.
export { referenceSequence, traceSequence, cellStep, type SequenceResult, type SequenceMasks } from './cells/sequence.js'
export { GATE_COUNT } from './cells/kinds.js'
export { fusedSequence, splitBiases } from './cells/fused/sequence.js'
export { CellStack } from './cells/fused/stepper.js'
export { fixedMatVec, type FixedMatVec, type MatrixRef } from './cells/fused/fixed-matvec.js'
export { argmax, drawIndex } from './models/sampling.js'
export { wasmKernelBytes, hasRelaxedSimd, type KernelVariant } from './tensor/kernels/wasm-kernels.js'
