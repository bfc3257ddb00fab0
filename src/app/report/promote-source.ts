import { join } from 'node:path';
import type { PromoteReportInput, PromoteResultInput } from '../../report/promote-report.js';
import type { Manifest } from '../manifest.js';
import { readJsonArtifact } from './artifact-files.js';
import { readEquityCurve, readTradeList } from './wf-source.js';

const HINT = 'the run folder is incomplete or was edited: run kobe promote again (same candidate, same gates, same run id)';

/** A promote run folder (`<outDir>/promote/<runId>/`): the result and the candidate's replayed record. */
export function readPromoteRun(runDir: string, manifest: Manifest): PromoteReportInput {
  return {
    result: readJsonArtifact<PromoteResultInput>(join(runDir, 'summary.json'), HINT),
    curve: readEquityCurve(join(runDir, 'equity_curve.csv'), manifest.engine.initialCapitalUsd, HINT),
    trades: readTradeList(join(runDir, 'trade_list.csv'), HINT),
  };
}
