// seqgrad's core: tensors, autograd, cells, layers, losses, optimizers, clipping, LR schedules and
// safetensors, without the models on top of the layers, the trainer, the tokenizer, the data tasks or
// checkpoints. src/index.ts exports all of it and adds those; importing `seqgrad/core` (or bundling
// `seqgrad/browser-core`) pulls in nothing else. The plumbing under it is in src/internals.ts.

// Tensors
export { Tensor, type NestedArray } from './tensor/tensor.js'
export { tensor, zeros, ones, full, rand, randn, arange, type TensorOptions, type CreateOptions, type RandomOptions } from './tensor/create.js'
export { type DType, type FloatDType, type TypedArray, promoteTypes } from './tensor/dtype.js'
export { broadcastShapes, type Shape } from './tensor/shape.js'
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js'
export { fromNdarray, toNdarray, type NdarrayLike } from './tensor/ndarray.js'

// Differentiable ops as free functions (the same as the Tensor methods)
export { add, sub, mul, div, pow, type BinaryOp } from './autograd/ops/arithmetic.js'
export { neg, exp, log, sqrt, tanh, sigmoid, relu, abs, sign, clamp } from './autograd/ops/unary.js'
export { sum, mean, max, argmax } from './autograd/ops/reduce.js'
export { softmax, logSoftmax } from './autograd/ops/softmax.js'
export { matmul } from './autograd/ops/matmul.js'
export { reshape, transpose, slice, cat, cat as concat, stack, split, expand, unsqueeze, squeeze } from './autograd/ops/layout.js'
export { clone, to } from './autograd/ops/cast.js'
export { linear } from './autograd/ops/linear.js'
export { embedding } from './autograd/ops/indexing.js'
export { dropout } from './autograd/ops/dropout.js'

// Autograd
export { noGrad, enableGrad, isGradEnabled, type GradNode, type BackwardFn, type BackwardOptions } from './autograd/engine.js'
export { grad, type GradOptions } from './autograd/grad.js'
export { defineOp, type OpDefinition } from './autograd/define-op.js'
export { gradcheck, gradcheckReport, type GradcheckOptions, type GradcheckReport } from './autograd/gradcheck.js'
export { gradgradcheck, gradgradcheckReport, type GradgradcheckOptions } from './autograd/gradgradcheck.js'

// Cells: the equations, one step each, and the names of what they show
export { rnnCell, type CellParams, type Nonlinearity, type GateRecorder, type RNNGates } from './cells/rnn.js'
export { lstmCell, type LSTMState, type LSTMGates } from './cells/lstm.js'
export { gruCell, gruResetBeforeCell, type GRUGates } from './cells/gru.js'
export { GATE_NAMES, type CellKind, type CellMode, type GateTrace, type RecurrentActivation } from './cells/kinds.js'
export { hasSimd } from './tensor/kernels/simd-gemm.js'
export { useWasmKernels, hasFma, useExactKernels } from './tensor/kernels/wasm-kernels.js'

// Modules
export { Module, type LoadStateDictOptions, type CheckedStateDict } from './models/module.js'
export { Linear, Embedding, Dropout, LayerNorm, type LinearOptions, type EmbeddingOptions, type LayerNormOptions } from './models/layers.js'
export { RNNCell, LSTMCell, GRUCell, type CellOptions, type RNNCellOptions, type LSTMCellOptions, type GRUCellOptions, type ForwardOptions } from './models/cells.js'
export { RNN, LSTM, GRU, type RecurrentOptions, type RNNOptions, type LSTMOptions, type GRUOptions, type Impl } from './models/recurrent.js'
export { padSequences, type SequenceForwardOptions } from './models/padding.js'

// Files
export { saveSafetensors, loadSafetensors, type SafetensorsContents } from './io/safetensors.js'

// Losses
export { crossEntropy, mseLoss, l1Penalty, l2Penalty, type Reduction, type Targets as ClassTargets, type CrossEntropyOptions, type MSELossOptions } from './optim/losses.js'

// Optimizers, clipping, LR schedules
export { Optimizer, type OptimizerStateDict, type ConfigValue, type OptimizerLoadOptions, type CheckedOptimizerState } from './optim/optimizer.js'
export { SGD, type SGDOptions } from './optim/sgd.js'
export { Adam, AdamW, type AdamOptions } from './optim/adam.js'
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js'
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './optim/clip.js'
export { LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, LinearLR, type StepLROptions, type ExponentialLROptions, type CosineAnnealingLROptions, type LinearLROptions, type ScheduleStateDict, type CheckedScheduleState } from './optim/schedules.js'
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type CheckedPlateauState } from './optim/plateau.js'
