// Runs every benchmark: `npm run bench` (compiles with tsconfig.bench.json, then runs this file). The
// benchmarks themselves live in src/bench, so the `seqgrad bench` command can run them too.
import { runAutogradBench } from '../src/bench/autograd.js'
import { runCellsBench } from '../src/bench/cells.js'
import { runMatmulBench } from '../src/bench/matmul.js'
import { runWorkloadsBench } from '../src/bench/workloads.js'

runMatmulBench()
runAutogradBench()
runCellsBench()
runWorkloadsBench()
await import('./parallel.js') // W-LSTM-128 in two worker threads against this thread, with its defaults
