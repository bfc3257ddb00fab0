import type { DailyRun } from '../daily-run.js';

/**
 * What one step of the pipeline reports. `waiting`: the step cannot run yet (the day's bar is not
 * in the data before the close) and is not marked done, so the next run of the day does it.
 * The summary is stored with the step's marker: later steps (and a rerun after a crash) read
 * what earlier ones decided from there, never from memory.
 */
export interface StepResult {
  readonly status: 'done' | 'waiting';
  readonly summary: Record<string, unknown>;
  readonly lines: readonly string[];
}

export type StepFn = (run: DailyRun) => Promise<StepResult>;

export const done = (summary: Record<string, unknown>, lines: readonly string[]): StepResult => ({ status: 'done', summary, lines });
export const waiting = (reason: string): StepResult => ({ status: 'waiting', summary: { waiting: reason }, lines: [`waiting: ${reason}`] });
