// `seqgrad bench`: the benchmarks of `npm run bench`, each reported as a ratio against a baseline measured
// in the same process.
import { runAutogradBench } from '../../bench/autograd.js'
import { runCellsBench } from '../../bench/cells.js'
import { runMatmulBench } from '../../bench/matmul.js'
import { runParallelBench } from '../../bench/parallel.js'
import { runWorkloadsBench } from '../../bench/workloads.js'
import { choiceOption, parseCommand } from '../args.js'
import { nodeTrainingWorkers } from '../train-workers.js'

/** The defaults, as --help and the README state them. */
export const BENCH_DEFAULTS = { only: 'all' } as const

export const BENCH_USAGE = `usage: seqgrad bench [--only ${BENCH_DEFAULTS.only}|matmul|autograd|cells|workloads|parallel]

Measures matmul GFLOP/s per kernel variant (against the plain i-k-j loop), the autograd tape's overhead
(against the same ops under noGrad), the fused RNN/LSTM/GRU paths (against their reference equations) and
the fixed workloads (W-LSTM-128 … W-GEN, MM: ms per unit, tokens/s, GFLOP/s) and W-LSTM-128 trained in
two worker threads (against this thread, alternating).

  --only NAME  run one group of benchmarks (default ${BENCH_DEFAULTS.only})`

export async function benchCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(argv, { only: { type: 'string' } }, BENCH_USAGE)
  if (values.help) {
    process.stdout.write(`${BENCH_USAGE}\n`)
    return
  }
  const only = choiceOption('only', values.only, BENCH_DEFAULTS.only as string, ['all', 'matmul', 'autograd', 'cells', 'workloads', 'parallel'], BENCH_USAGE)
  if (only === 'all' || only === 'matmul') runMatmulBench()
  if (only === 'all' || only === 'autograd') runAutogradBench()
  if (only === 'all' || only === 'cells') runCellsBench()
  if (only === 'all' || only === 'workloads') runWorkloadsBench()
  if (only === 'all' || only === 'parallel') {
    const workers = nodeTrainingWorkers(2)
    try {
      await runParallelBench(workers)
    } finally {
      workers.close()
    }
  }
}
