import type { EvalResult } from './fitness.js';
import { paretoFront } from './fitness.js';
import { GeneticSearch, type Candidate, type GaSettings, type Scored } from './genetic-search.js';
import type { Genome } from './genome.js';
import type { SearchSpace } from './operators.js';

/** Runs evaluations somewhere (this thread, a thread pool, machines behind a queue). */
export interface Evaluator {
  /** Evaluates every item, calling `onResult` as each finishes, in any order. */
  evaluate(items: readonly { readonly fingerprint: string; readonly genome: Genome }[], onResult: (r: EvalResult) => void): Promise<void>;
  close(): Promise<void>;
}

/** Persistence the search reports to (the SQLite store in the CLI; nothing in tests). */
export interface EvolveHooks {
  cached(fingerprint: string): EvalResult | null;
  saved(genome: Genome, result: EvalResult): void;
  trials(generation: number, candidates: readonly Candidate[]): void;
  generationDone(summary: GenerationSummary, scored: readonly Scored[]): void;
  /** Called as each evaluation of the current generation finishes (progress). */
  progress?(done: number, total: number): void;
}

export interface GenerationSummary {
  readonly generation: number;
  readonly best: number | null;
  readonly median: number | null;
  /** Spread of the population's genes (see diversity below), 0..1. */
  readonly diversity: number;
  /** Evaluations run for this generation; reused ones are not counted here. */
  readonly evaluations: number;
  readonly reused: number;
  readonly pruned: number;
  readonly bestFingerprint: string | null;
}

export interface EvolutionResult {
  readonly generations: readonly GenerationSummary[];
  /** Every genome tried, with its result, across all generations (unique by fingerprint). */
  readonly scored: readonly Scored[];
  readonly best: Scored | null;
  readonly pareto: readonly Scored[];
}

/**
 * The factory loop: ask the search for a generation, take every result the store already has,
 * evaluate the rest, tell the search, repeat. Results are committed one by one as they arrive,
 * so an interrupted run resumes without losing or repeating any evaluation.
 */
export async function runEvolution(o: {
  space: SearchSpace;
  ga: GaSettings;
  generations: number;
  evaluator: Evaluator;
  hooks: EvolveHooks;
}): Promise<EvolutionResult> {
  const search = new GeneticSearch(o.space, o.ga);
  const summaries: GenerationSummary[] = [];
  const all = new Map<string, Scored>();
  for (let g = 0; g < o.generations; g++) {
    const candidates = search.ask();
    o.hooks.trials(g, candidates);
    const results = new Map<string, EvalResult>();
    let reused = 0;
    for (const c of candidates) {
      const known = all.get(c.fingerprint)?.result ?? o.hooks.cached(c.fingerprint);
      if (known !== null && known !== undefined) {
        results.set(c.fingerprint, known);
        reused++;
      }
    }
    const pending = candidates.filter((c) => !results.has(c.fingerprint));
    const pendingByFp = new Map(pending.map((c) => [c.fingerprint, c]));
    let done = reused;
    o.hooks.progress?.(done, candidates.length);
    await o.evaluator.evaluate(
      pending.map((c) => ({ fingerprint: c.fingerprint, genome: c.genome })),
      (r) => {
        const c = pendingByFp.get(r.fingerprint);
        if (c === undefined || results.has(r.fingerprint)) return;
        results.set(r.fingerprint, r);
        o.hooks.saved(c.genome, r);
        o.hooks.progress?.(++done, candidates.length);
      },
    );
    const scored: Scored[] = candidates.map((c) => {
      const result = results.get(c.fingerprint);
      if (result === undefined) throw new Error(`evaluation of ${c.fingerprint} did not come back`);
      return { candidate: c, result };
    });
    search.tell(scored);
    for (const s of scored) if (!all.has(s.candidate.fingerprint)) all.set(s.candidate.fingerprint, s);
    const summary = summarize(g, scored, pending.length, reused);
    summaries.push(summary);
    o.hooks.generationDone(summary, scored);
  }
  const everything = [...all.values()].sort((a, b) => a.candidate.fingerprint.localeCompare(b.candidate.fingerprint));
  const ranked = everything.filter((s) => s.result.fitness !== null).sort((a, b) => b.result.fitness! - a.result.fitness! || a.candidate.fingerprint.localeCompare(b.candidate.fingerprint));
  return {
    generations: summaries,
    scored: everything,
    best: ranked[0] ?? null,
    pareto: paretoFront(everything.map((s) => ({ ...s, objectives: s.result.objectives }))),
  };
}

function summarize(generation: number, scored: readonly Scored[], evaluations: number, reused: number): GenerationSummary {
  const fit = scored.map((s) => s.result.fitness).filter((f): f is number => f !== null).sort((a, b) => a - b);
  const best = scored.reduce<Scored | null>((b, s) => (s.result.fitness !== null && (b === null || s.result.fitness > b.result.fitness!) ? s : b), null);
  return {
    generation,
    best: fit.length ? fit[fit.length - 1] : null,
    median: fit.length ? (fit.length % 2 ? fit[(fit.length - 1) / 2] : (fit[fit.length / 2 - 1] + fit[fit.length / 2]) / 2) : null,
    diversity: diversity(scored.map((s) => s.candidate.genome)),
    evaluations,
    reused,
    pruned: scored.filter((s) => s.result.status === 'pruned').length,
    bestFingerprint: best?.candidate.fingerprint ?? null,
  };
}

/**
 * Parameter genomes: the mean over genes of the distinct values' share of the population.
 * Rule genomes: the share of distinct entry trees. 0 = all alike, 1 = all different.
 */
export function diversity(genomes: readonly Genome[]): number {
  if (genomes.length < 2) return 0;
  const first = genomes[0];
  if (first.kind === 'params') {
    const names = Object.keys(first.params);
    let total = 0;
    for (const n of names) total += (new Set(genomes.map((g) => (g.kind === 'params' ? g.params[n] : NaN))).size - 1) / (genomes.length - 1);
    return names.length ? total / names.length : 0;
  }
  return (new Set(genomes.map((g) => (g.kind === 'rules' ? JSON.stringify(g.rule.entry) : ''))).size - 1) / (genomes.length - 1);
}
