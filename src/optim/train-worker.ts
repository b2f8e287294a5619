// The training worker script for runtimes with the standard Worker (browsers, Deno, Bun): started as a
// module worker by TrainingWorkers, it serves one shard of data-parallel training on `self`.
import type { WorkerScope } from './parallel-protocol.js'
import { serveTrainingShard } from './parallel-shard.js'

serveTrainingShard(globalThis as unknown as WorkerScope)
