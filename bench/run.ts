// Runs every benchmark: `npm run bench` (compiles with tsconfig.bench.json, then runs this file).
import { runAutogradBench } from './autograd.js'
import { runCellsBench } from './cells.js'
import { runMatmulBench } from './matmul.js'

runMatmulBench()
runAutogradBench()
runCellsBench()
