import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The import-boundary checker behind src/import-boundary.test.ts: it holds the dependency
 * direction of the layout (README, STYLE.md) on every `.ts` file under a source root (tests,
 * `*.test.ts`, are exempt: they may read files and clocks).
 *
 *   cli, server -> app -> (data, store, audit, distributed, brokers) -> pure libraries
 *
 * Rules:
 * - PURE_IMPORTS_EDGE: a pure library imports from an orchestration or I/O folder.
 * - PURE_IMPORTS_IO: a pure library imports a module outside src other than PURE_PACKAGES
 *   (an allowlist, so a new dependency has to be argued for here: node I/O modules, `pg`,
 *   `better-sqlite3`, `commander`, `dotenv`... all fail).
 * - PURE_READS_CLOCK: `Date.now`, `Date()`, `new Date()` without arguments, `performance.*`,
 *   `setTimeout` / `setInterval`.
 * - PURE_READS_RANDOM: `Math.random`, `crypto.*` (randomUUID, getRandomValues).
 * - PURE_USES_RUNTIME: `process.*` (env, argv, hrtime, exit, stdout), `console.*`, `fetch`,
 *   `setImmediate` / `queueMicrotask` (a pure library computes synchronously; yielding to the
 *   event loop belongs to whoever runs it, like the evaluators in distributed/).
 * - PURE_NAMES_FLAG: a pure library's string mentions a command-line flag (`'--train-days'`) or
 *   sets an error's `flag`: libraries name parameters (`param: 'trainDays'`) and the CLI maps
 *   them to flags (cli/param-flags.ts).
 * - EDGE_IMPORTS_APP: an I/O edge folder imports orchestration (`cli`, `app`, `server`).
 * - IMPORTS_SCRIPTS: anything under src imports from `scripts/`.
 *
 * It parses with the TypeScript compiler (no regular expressions over source text), so
 * comments and strings that mention `Date.now` are not violations, and `import type` counts
 * like any import: a pure library that needs a CLI type has the dependency the wrong way round.
 */

/** Folders that do no I/O and read no clock or randomness. */
export const PURE_FOLDERS: readonly string[] = [
  'core',
  'indicators',
  'strategies',
  'portfolio',
  'risk',
  'execution',
  'backtest',
  'validation',
  'evolution',
  'pricing',
  'options',
  'report',
  'demo',
  'confidence',
  'monitoring',
];

/** Orchestration: only the command line, the server and each other import these. */
export const APP_FOLDERS: readonly string[] = ['cli', 'app', 'server'];

/** I/O edge folders: they may import pure ones, not orchestration. */
export const EDGE_FOLDERS: readonly string[] = ['data', 'store', 'audit', 'distributed', 'brokers', 'alerts'];

/**
 * Modules from outside src a pure library may import, with the names it may take from them.
 * `node:crypto` for its hashes only (deterministic); its random functions are not listed.
 */
export const PURE_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'node:crypto': ['createHash'],
};

export type BoundaryRule =
  | 'PURE_IMPORTS_EDGE'
  | 'PURE_IMPORTS_IO'
  | 'PURE_READS_CLOCK'
  | 'PURE_READS_RANDOM'
  | 'PURE_USES_RUNTIME'
  | 'PURE_NAMES_FLAG'
  | 'EDGE_IMPORTS_APP'
  | 'IMPORTS_SCRIPTS';

export interface BoundaryViolation {
  /** Path relative to the source root's parent, with forward slashes (`src/core/x.ts`). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly rule: BoundaryRule;
  readonly detail: string;
}

export const formatViolation = (v: BoundaryViolation): string => `${v.file}:${v.line}: ${v.rule}: ${v.detail}`;

/** Every non-test `.ts` file under `dir`, sorted. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** `Date.now` and friends: object name -> members that read the clock, randomness or the process. */
const FORBIDDEN_MEMBERS: ReadonlyArray<readonly [string, string | null, BoundaryRule]> = [
  ['Date', 'now', 'PURE_READS_CLOCK'],
  ['performance', null, 'PURE_READS_CLOCK'],
  ['Math', 'random', 'PURE_READS_RANDOM'],
  ['crypto', null, 'PURE_READS_RANDOM'],
  ['process', null, 'PURE_USES_RUNTIME'],
  ['console', null, 'PURE_USES_RUNTIME'],
];

/** `--kebab-case` at the start of a string or after a space, quote or parenthesis. */
const FLAG_IN_TEXT = /(?:^|[\s('"`/])(--[a-z][a-z0-9-]*)/;

const FORBIDDEN_CALLS: ReadonlyMap<string, BoundaryRule> = new Map<string, BoundaryRule>([
  ['Date', 'PURE_READS_CLOCK'],
  ['setTimeout', 'PURE_READS_CLOCK'],
  ['setInterval', 'PURE_READS_CLOCK'],
  ['setImmediate', 'PURE_USES_RUNTIME'],
  ['queueMicrotask', 'PURE_USES_RUNTIME'],
  ['fetch', 'PURE_USES_RUNTIME'],
]);

/**
 * All violations of the rules above in the `.ts` files under `srcDir` (which need not type-check;
 * folders that do not exist yet are fine). `scripts/` is the sibling of `srcDir`.
 */
export function checkImportBoundaries(srcDir: string): BoundaryViolation[] {
  const root = resolve(srcDir);
  const scriptsDir = resolve(root, '..', 'scripts');
  const shown = (path: string) => relative(dirname(root), path).split(sep).join('/');
  const violations: BoundaryViolation[] = [];

  for (const path of sourceFiles(root)) {
    const top = relative(root, path).split(sep)[0];
    const pure = PURE_FOLDERS.includes(top);
    const edge = EDGE_FOLDERS.includes(top);
    const text = readFileSync(path, 'utf8');
    const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const add = (node: ts.Node, rule: BoundaryRule, detail: string) =>
      violations.push({ file: shown(path), line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, rule, detail });

    const checkSpecifier = (node: ts.Node, spec: string, names: readonly string[] | null) => {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(path), spec);
        if (target === scriptsDir || target.startsWith(scriptsDir + sep)) {
          add(node, 'IMPORTS_SCRIPTS', `imports '${spec}': src never imports scripts/`);
          return;
        }
        const targetTop = relative(root, target).split(sep)[0];
        if (pure && (APP_FOLDERS.includes(targetTop) || EDGE_FOLDERS.includes(targetTop))) {
          add(node, 'PURE_IMPORTS_EDGE', `pure '${top}/' imports '${spec}' (${targetTop}/ is orchestration or I/O)`);
        } else if (edge && APP_FOLDERS.includes(targetTop)) {
          add(node, 'EDGE_IMPORTS_APP', `I/O edge '${top}/' imports '${spec}' (${targetTop}/ sits above it)`);
        }
        return;
      }
      if (!pure) return;
      const allowed = PURE_PACKAGES[spec];
      if (allowed === undefined) {
        add(node, 'PURE_IMPORTS_IO', `pure '${top}/' imports '${spec}' (not in PURE_PACKAGES)`);
      } else if (names === null || names.some((n) => !allowed.includes(n))) {
        const bad = names === null ? 'the whole module' : names.filter((n) => !allowed.includes(n)).join(', ');
        add(node, 'PURE_IMPORTS_IO', `pure '${top}/' takes ${bad} from '${spec}' (allowed: ${allowed.join(', ')})`);
      }
    };

    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        checkSpecifier(node, node.moduleSpecifier.text, importedNames(node));
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0];
        if (arg !== undefined && ts.isStringLiteralLike(arg)) checkSpecifier(node, arg.text, null);
        else if (pure) add(node, 'PURE_IMPORTS_IO', 'dynamic import of a computed module');
      } else if (pure && ts.isImportEqualsDeclaration(node)) {
        add(node, 'PURE_IMPORTS_IO', 'import = require(...)');
      } else if (pure && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node))) {
        const flag = FLAG_IN_TEXT.exec(node.text);
        if (flag !== null) add(node, 'PURE_NAMES_FLAG', `a string names the flag ${flag[1]}; name the parameter`);
      } else if (pure && setsFlag(node)) {
        add(node, 'PURE_NAMES_FLAG', 'sets an error flag; set `param` (the parameter name) instead');
      } else if (pure && ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
        const object = node.expression.text;
        const member = node.name.text;
        for (const [o, m, rule] of FORBIDDEN_MEMBERS) {
          if (o === object && (m === null || m === member)) add(node, rule, `reads ${object}.${member}`);
        }
      } else if (pure && ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
        if (node.arguments === undefined || node.arguments.length === 0) add(node, 'PURE_READS_CLOCK', 'new Date() without arguments reads the clock');
      } else if (pure && ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
        const rule = FORBIDDEN_CALLS.get(node.expression.text);
        if (rule !== undefined) add(node, rule, `calls ${node.expression.text}()`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return violations;
}

/**
 * `{ flag: '--x' }`, `{ flag: where }` or `{ flag }` (an error option naming a flag); not
 * `{ flag: this.flag ?? null }` (errors.ts serialising a flag the CLI set).
 */
function setsFlag(node: ts.Node): boolean {
  if (ts.isShorthandPropertyAssignment(node)) return node.name.text === 'flag';
  if (!ts.isPropertyAssignment(node) || !ts.isIdentifier(node.name) || node.name.text !== 'flag') return false;
  return ts.isStringLiteralLike(node.initializer) || ts.isIdentifier(node.initializer);
}

/** The names an import or re-export takes (null: the whole module, a namespace or a side effect). */
function importedNames(node: ts.ImportDeclaration | ts.ExportDeclaration): readonly string[] | null {
  if (ts.isExportDeclaration(node)) {
    const clause = node.exportClause;
    return clause !== undefined && ts.isNamedExports(clause) ? clause.elements.map((e) => (e.propertyName ?? e.name).text) : null;
  }
  const clause = node.importClause;
  if (clause === undefined || clause.name !== undefined) return null;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : null;
}
