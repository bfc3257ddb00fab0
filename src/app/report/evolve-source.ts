import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../../core/errors.js';
import type { EvolveReportInput, LineageInput, ScoredGenomeInput } from '../../report/evolve-report.js';
import type { Manifest } from '../manifest.js';
import { decodeEvolveSpec } from '../run-spec.js';
import { readJsonArtifact } from './artifact-files.js';

const HINT = 'the run folder is incomplete or was edited: run the search again (same flags, same run id)';

interface EvolveSummaryFile {
  readonly trials: number;
  readonly evaluations: number;
  readonly best: ScoredGenomeInput | null;
}

const POPULATION_FILE = /^population_gen_(\d+)\.json$/;

/** An evolve run folder (`<outDir>/evolve/<runId>/`) as the report's input: summary, front, lineage and every population. */
export function readEvolveRun(runDir: string, manifest: Manifest): EvolveReportInput {
  const spec = decodeEvolveSpec(manifest.run);
  const summary = readJsonArtifact<EvolveSummaryFile>(join(runDir, 'summary.json'), HINT);
  const pareto = readJsonArtifact<ScoredGenomeInput[]>(join(runDir, 'pareto.json'), HINT);
  const lineage = readJsonArtifact<LineageInput[]>(join(runDir, 'lineage_best.json'), HINT);
  const generations = readdirSync(runDir)
    .map((name) => POPULATION_FILE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ generation: Number(m[1]), file: join(runDir, m[0]) }))
    .sort((a, b) => a.generation - b.generation);
  // A search writes every generation it ran: a gap means a file was lost.
  generations.forEach((g, i) => {
    if (g.generation !== i) throw inputError('ARTIFACT_MISSING', `${join(runDir, `population_gen_${String(i).padStart(2, '0')}.json`)} is missing`, { file: runDir, hint: HINT });
  });
  if (generations.length !== spec.generations) {
    throw inputError('ARTIFACT_MISSING', `${runDir} holds ${generations.length} population_gen_NN.json files, the run had ${spec.generations} generations`, { file: runDir, hint: HINT });
  }
  return {
    settings: { ...spec, trials: summary.trials, evaluations: summary.evaluations },
    best: summary.best,
    pareto,
    lineage,
    populations: generations.map((g) => ({ generation: g.generation, genomes: readJsonArtifact<ScoredGenomeInput[]>(g.file, HINT) })),
  };
}
