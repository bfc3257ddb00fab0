import { createRng, type Rng } from '../core/rng.js';
import type { EvalResult } from './fitness.js';
import { fingerprint } from './fingerprint.js';
import type { Genome } from './genome.js';
import { crossover, defaultGenome, mutate, randomGenome, type SearchSpace } from './operators.js';

export interface GaSettings {
  readonly population: number;
  /** Best genomes carried unchanged into the next generation. */
  readonly elite: number;
  readonly tournament: number;
  readonly crossoverRate: number;
  /** Per-gene mutation probability for parameter genomes (one gene always mutates). */
  readonly mutationRate: number;
  readonly seed: number;
}

export interface Candidate {
  readonly genome: Genome;
  readonly fingerprint: string;
  /** Fingerprints of the parents; empty for the first generation and immigrants. */
  readonly parents: readonly string[];
  readonly operator: 'seed' | 'random' | 'elite' | 'crossover+mutation' | 'mutation' | 'immigrant';
  /** Evaluation priority: the best SQN among the parents (children of strong parents first). */
  readonly priority: number;
}

export interface Scored {
  readonly candidate: Candidate;
  readonly result: EvalResult;
}

/**
 * A generational genetic algorithm in ask/tell form (as LEAN's optimiser interface): `ask` gives
 * the genomes of the next generation, `tell` takes their results. Tournament selection, uniform
 * crossover and bounded mutation, elitism, and clone protection: a child identical to any genome
 * this search has already produced is mutated again, and replaced by a random immigrant if that
 * keeps failing. All randomness comes from one seeded generator, and results only steer through
 * their fitness, so the same seed and data give the same history whatever order or thread
 * evaluations finish in.
 */
export class GeneticSearch {
  private readonly rng: Rng;
  private readonly seen = new Set<string>();
  private current: Scored[] = [];
  generation = -1;

  constructor(readonly space: SearchSpace, readonly settings: GaSettings) {
    this.rng = createRng(settings.seed);
  }

  ask(): Candidate[] {
    this.generation++;
    const out = this.generation === 0 ? this.firstGeneration() : this.nextGeneration();
    // Children of high-SQN parents are evaluated first: a run cut short has spent its budget on
    // the most promising lineages. Stable for equal priority.
    return out.map((c, i) => ({ c, i })).sort((a, b) => b.c.priority - a.c.priority || a.i - b.i).map((x) => x.c);
  }

  tell(scored: readonly Scored[]): void {
    this.current = [...scored].sort((a, b) => a.candidate.fingerprint.localeCompare(b.candidate.fingerprint));
  }

  private unique(genome: Genome): string | null {
    const fp = fingerprint(genome);
    if (this.seen.has(fp)) return null;
    this.seen.add(fp);
    return fp;
  }

  private firstGeneration(): Candidate[] {
    const out: Candidate[] = [];
    const seedGenome = defaultGenome(this.space, this.rng);
    const fp = this.unique(seedGenome);
    if (fp !== null) out.push({ genome: seedGenome, fingerprint: fp, parents: [], operator: this.space.kind === 'params' ? 'seed' : 'random', priority: 0 });
    for (let tries = 0; out.length < this.settings.population && tries < this.settings.population * 50; tries++) {
      const g = randomGenome(this.space, this.rng);
      const f = this.unique(g);
      if (f !== null) out.push({ genome: g, fingerprint: f, parents: [], operator: 'random', priority: 0 });
    }
    return out;
  }

  private nextGeneration(): Candidate[] {
    const ranked = [...this.current].sort((a, b) => score(b) - score(a) || a.candidate.fingerprint.localeCompare(b.candidate.fingerprint));
    const out: Candidate[] = ranked.slice(0, this.settings.elite).map((s) => ({
      genome: s.candidate.genome,
      fingerprint: s.candidate.fingerprint,
      parents: [s.candidate.fingerprint],
      operator: 'elite' as const,
      priority: s.result.sqn ?? 0,
    }));
    while (out.length < this.settings.population) {
      const a = this.select();
      const b = this.select();
      const crossed = this.rng.next() < this.settings.crossoverRate;
      let child = crossed ? crossover(a.candidate.genome, b.candidate.genome, this.rng) : a.candidate.genome;
      child = mutate(child, this.rng, this.settings.mutationRate);
      let fp = this.unique(child);
      for (let attempt = 0; fp === null && attempt < 10; attempt++) {
        child = mutate(child, this.rng, this.settings.mutationRate);
        fp = this.unique(child);
      }
      const parents = crossed ? [a.candidate.fingerprint, b.candidate.fingerprint] : [a.candidate.fingerprint];
      const priority = Math.max(a.result.sqn ?? 0, crossed ? (b.result.sqn ?? 0) : Number.NEGATIVE_INFINITY);
      if (fp !== null) {
        out.push({ genome: child, fingerprint: fp, parents, operator: crossed ? 'crossover+mutation' : 'mutation', priority });
        continue;
      }
      const immigrant = randomGenome(this.space, this.rng);
      const f = this.unique(immigrant);
      if (f !== null) out.push({ genome: immigrant, fingerprint: f, parents: [], operator: 'immigrant', priority: 0 });
      else if (this.seen.size > 100_000) break;
    }
    return out;
  }

  private select(): Scored {
    let best: Scored | null = null;
    for (let k = 0; k < this.settings.tournament; k++) {
      const s = this.current[this.rng.int(this.current.length)];
      if (best === null || score(s) > score(best)) best = s;
    }
    return best!;
  }
}

/** Pruned genomes lose every tournament. */
const score = (s: Scored): number => (s.result.fitness === null ? Number.NEGATIVE_INFINITY : s.result.fitness);
