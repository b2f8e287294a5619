// seqgrad's public API: the core (src/core.ts, also `seqgrad/core`) and what is built on it — the models
// on top of the layers, sampling, the character tokenizer, the trainer, checkpoints, the Keras mapping —
// and the built-in tasks' data as the namespace `data` (also `seqgrad/data`). The plumbing under all of
// it is `seqgrad/internals`.
export * from './core.js'

// Keras weights
export { fromKerasWeights, toKerasWeights, type KerasKind, type KerasOptions, type KerasWeights } from './io/keras.js'
export { kerasLayerOptions, type KerasLayerConfig, type KerasLayerOptions } from './io/keras-config.js'
export { fromKerasLayer, toKerasLayer, type FromKerasLayerOptions, type KerasLayer } from './io/keras-layer.js'

// Sampling and text
export { sampleToken, tokenProbabilities, type SamplingOptions } from './models/sampling.js'
export { CharTokenizer, type CharTokenizerOptions, type CharTokenizerJSON } from './data/char-tokenizer.js'

// Models, training and checkpoints
export { LanguageModel, type LanguageModelOptions, type GenerateOptions } from './models/language-model.js'
export { type RecurrentState } from './models/recurrent.js'
export { SequenceClassifier, type SequenceClassifierOptions } from './models/classifier.js'
export { Seq2Seq, type Seq2SeqOptions, type DecodeOptions } from './models/seq2seq.js'
export { trainLanguageModel, evaluateLanguageModel, type TrainLanguageModelOptions, type TrainResult, type TrainerState, type StepInfo, type Evaluation } from './optim/trainer.js'
export type { ParallelOptions } from './optim/parallel-trainer.js'
export { TrainingWorkers } from './optim/training-workers.js'
export type { WorkerFactory, WorkerLike } from './optim/parallel-protocol.js'
export { saveCheckpoint, loadCheckpoint, type SaveCheckpointOptions, type LoadCheckpointOptions, type LoadedCheckpoint, type JsonValue } from './io/checkpoint.js'

// The built-in tasks' data and stream batching: data.addingBatch, data.embeddedReberString, …
export * as data from './data/index.js'
