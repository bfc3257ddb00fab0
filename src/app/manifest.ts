import { sha256Hex, stableStringify } from '../core/stable-json.js';
import type { MarketSource } from './market.js';
import type { EngineConfigJson } from './run-spec.js';
import { KOBE_VERSION } from './version.js';

/**
 * What a run depends on, and nothing else: no timestamps, no host names. Same data, config and
 * seed give the same manifest, the same run id and byte-identical artifacts. `engine` and `run`
 * are run specs in their JSON encoding (src/app/run-spec.ts): a replay decodes them.
 */
export interface Manifest {
  readonly kobeVersion: string;
  readonly command: string;
  readonly seed: number;
  readonly data: MarketSource & { readonly start: string; readonly end: string };
  readonly engine: EngineConfigJson;
  readonly run: Readonly<Record<string, unknown>>;
  readonly runId: string;
}

export function makeManifest(parts: Omit<Manifest, 'runId' | 'kobeVersion'>): Manifest {
  const body = { kobeVersion: KOBE_VERSION, ...parts };
  const runId = sha256Hex(stableStringify(body)).slice(0, 16);
  return { ...body, runId };
}
