// seqgrad/compare: what `seqgrad compare` is made of, for any runtime (a page's worker, an edge function, Node).
// A comparison is plain data all the way: parse the cells (parseCellSpecs), pick a task (taskByName), plan
// (planComparison → planSelectionUnits, chooseLearningRates, planUnits), run each unit anywhere (runUnit,
// or startUnit to run it a step at a time), combine the results (summarize), and write them up (resultsTable
// or resultsTableData, comparisonCharts, assessClaims, buildReport, resultsJson). runComparison does it all
// in one thread. The root `seqgrad` does not carry this, so its bundle stays small; this entry is also
// built as the browser bundle dist/browser/seqgrad-compare.min.js.
export { parseCellSpecs, parseCellSpec, formatCellSpec, cellLabel, CellSpecError, CELL_SPEC_HELP, MAX_HIDDEN, type CellSpec, type CellOptions } from './cell-spec.js'
export { taskByName, resolveTask, TASK_NAMES, type TaskName } from './tasks.js'
export type { Task, TaskRef, TaskSettings, TaskEvaluation, SolvedThreshold, CellRun, RunPurpose } from './task.js'
export { planComparison, planSelectionUnits, chooseLearningRates, planUnits, type PlanOptions, type ComparisonPlan, type PlannedCell, type LearningRateChoice, type BudgetMatch } from './plan.js'
export { runUnit, startUnit, type RunUnit, type UnitResult, type UnitProgress, type RunUnitOptions, type UnitRunner } from './unit.js'
export type { MemoryBytes } from './memory.js'
export { summarize, verdictOf, type ComparisonResult, type CellSummary, type SeedSummary, type Spread, type Reliability } from './summary.js'
export { runComparison, type ComparisonOptions, type ProgressEvent } from './runner.js'
export { buildReport, resultsTable, resultsTableData, type ReportFiles, type ResultsTableData } from './report.js'
export { comparisonCharts, type ChartFiles } from './report-charts.js'
export { lineChart, PALETTE, type Series, type LineChartOptions } from './svg.js'
export { assessClaims, claimsSummary, type ClaimAssessment, type ClaimVerdict } from './claims.js'
export { resultsJson, stringifyResults, RESULTS_SCHEMA_VERSION, type ResultsJson, type CellResultJson, type SeedResultJson } from './results-json.js'
export { formatNumber, formatInteger, formatBytes } from './format.js'
