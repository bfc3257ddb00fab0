/**
 * One error type for every failure the user can act on. The `kind` decides the exit code at the
 * CLI edge (usage/input -> 2, runtime -> 1); nothing below `src/cli` knows exit codes.
 */
export type ErrorKind = 'usage' | 'input' | 'runtime';

export interface ErrorLocation {
  /** File the problem was found in, as the user named it. */
  readonly file?: string;
  /** 1-based line number inside `file`. */
  readonly line?: number;
  /** The CLI flag or config key at fault (set by the CLI and the I/O edges that read flags). */
  readonly flag?: string;
  /**
   * The library parameter at fault (`trainDays`, `sizing`): libraries name parameters, not
   * flags; the CLI maps a parameter to its flag when it prints the error (cli/param-flags.ts).
   */
  readonly param?: string;
}

export interface KobeErrorOptions extends ErrorLocation {
  readonly kind?: ErrorKind;
  /** The offending value, shown verbatim. */
  readonly value?: unknown;
  /** What the user can do about it. */
  readonly hint?: string;
  readonly cause?: unknown;
}

export class KobeError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly file?: string;
  readonly line?: number;
  readonly flag?: string;
  readonly param?: string;
  readonly value?: unknown;
  readonly hint?: string;

  constructor(code: string, message: string, options: KobeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KobeError';
    this.code = code;
    this.kind = options.kind ?? 'runtime';
    this.file = options.file;
    this.line = options.line;
    this.flag = options.flag;
    this.param = options.param;
    this.value = options.value;
    this.hint = options.hint;
  }

  /** `file:line: message (hint)` in the form editors and terminals recognise. */
  describe(): string {
    const where = this.file ? `${this.file}${this.line !== undefined ? `:${this.line}` : ''}: ` : '';
    const at = this.flag ?? this.param;
    const flag = at ? `${at}: ` : '';
    const hint = this.hint ? `\n  hint: ${this.hint}` : '';
    return `${where}${flag}${this.message} [${this.code}]${hint}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      kind: this.kind,
      message: this.message,
      file: this.file ?? null,
      line: this.line ?? null,
      flag: this.flag ?? null,
      param: this.param ?? null,
      hint: this.hint ?? null,
    };
  }
}

export const usageError = (code: string, message: string, options: Omit<KobeErrorOptions, 'kind'> = {}) =>
  new KobeError(code, message, { ...options, kind: 'usage' });

export const inputError = (code: string, message: string, options: Omit<KobeErrorOptions, 'kind'> = {}) =>
  new KobeError(code, message, { ...options, kind: 'input' });

export const isKobeError = (e: unknown): e is KobeError => e instanceof KobeError;

/** Most characters of user data an error message or value quotes. */
export const QUOTE_MAX_CHARS = 80;

/**
 * User data as an error may quote it: at most `max` characters, the rest replaced by
 * `...(N chars)`. Every error that repeats a row, field, header or response body goes through
 * here, so a 200 MB single-field row cannot end up in a message, a log or a JSON report.
 */
export function clipForError(text: string, max = QUOTE_MAX_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}...(${text.length} chars)`;
}
