/**
 * Everything a command touches of the outside world, passed in so tests can run `main(argv, io)`
 * in-process with captured output, a temp cwd and a fake environment.
 */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** A captured io for tests: read `out()` and `err()` after the command returns. */
export function memoryIo(cwd: string, env: Record<string, string | undefined> = {}): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => { out += t; return true; }, isTTY: false },
    stderr: { write: (t: string) => { err += t; return true; }, isTTY: false },
    env: { NO_COLOR: '1', ...env },
    cwd,
    out: () => out,
    err: () => err,
  };
}
