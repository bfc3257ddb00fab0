/**
 * What an application function may touch of the outside world, passed in explicitly: the CLI,
 * `kobe serve` and `kobe daily` each build one. Nothing in `src/app` reads `process`, the
 * clock or stdout directly.
 */
export interface AppContext {
  /** Folder relative paths (data dir, database, output folder) are resolved against. */
  readonly cwd: string;
  /** The process environment (KOBE_DATA_DIR, API keys); a .env file is merged in by resolveEnv. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress and information lines (the CLI prints them to stdout, or stderr under --json). */
  readonly log: (line: string) => void;
  /** What a run quietly adjusted (a cut end date, symbols left out): said whatever the output mode. */
  readonly note: (line: string) => void;
  /** Wall-clock time, for the timestamps of rows and audit records (never for results). */
  readonly now: () => Date;
  /**
   * How user-facing text names a parameter: the CLI maps `dataDir` to `--data-dir`, a server
   * keeps the parameter name. Used in error messages, error locations and notes.
   */
  readonly param: (name: string) => string;
}

/** A context for tests and library callers: parameters named as they are, logs dropped. */
export function plainContext(cwd: string, env: Readonly<Record<string, string | undefined>> = {}, overrides: Partial<AppContext> = {}): AppContext {
  return { cwd, env, log: () => undefined, note: () => undefined, now: () => new Date(), param: (name) => name, ...overrides };
}
