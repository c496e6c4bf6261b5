// Measures the source tree against the house rules of structure: file length,
// function length, the median file, and imports (no cycles between files, no
// layer importing one above it). Parsed with the TypeScript compiler, so a
// "function" is every function-like node (declaration, method, constructor,
// accessor, arrow, function expression), measured from its first line to its
// last, nested functions included.
//
//   node --import tsx scripts/structure.ts          # the report
//   node --import tsx scripts/structure.ts --json   # the same as JSON
//
// The test test/unit/structure.test.ts holds the tree to the limits below.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const LIMITS = { fileLines: 500, functionLines: 80, medianFileLines: 200 } as const;

/** Folders of product code that the rules cover. */
export const SOURCE_ROOTS = ['app', 'bridge', 'common', 'core', 'ivr', 'migrations', 'scripts', 'web'] as const;

/**
 * Which top-level layer may import which. A layer not listed as a key may
 * import nothing of ours; `bridge/port.ts` and `bridge/q850.ts` are the only
 * parts of bridge/ that the IVR may see.
 */
const LAYERS: Record<string, readonly string[]> = {
  common: [],
  migrations: ['common'],
  core: ['common', 'migrations'],
  bridge: ['common'],
  ivr: ['common', 'core', 'bridge-port'],
  web: ['common', 'core'],
  app: ['common', 'core', 'migrations', 'bridge', 'bridge-port', 'ivr', 'web'],
  scripts: ['common', 'core', 'migrations', 'bridge', 'bridge-port', 'ivr', 'web'],
};

export interface FunctionSize { file: string; name: string; line: number; lines: number }
export interface StructureReport {
  files: { file: string; lines: number }[];
  longFiles: { file: string; lines: number }[];
  longFunctions: FunctionSize[];
  medianFileLines: number;
  cycles: string[][];
  /**
   * Folders that import each other, directly or round a loop: each folder is
   * a floor. A folder and its own parent are not compared (a parent's files
   * may wire its subfolders, and a subfolder may use its parent's basics).
   */
  folderCycles: string[][];
  layerViolations: { from: string; to: string }[];
}

const CODE = /\.(ts|mts|mjs|js)$/;

function listFiles(root: string, dir: string, out: string[]): void {
  let names: string[];
  try { names = readdirSync(join(root, dir)); } catch { return; }
  for (const name of names.sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const rel = join(dir, name);
    const st = statSync(join(root, rel));
    if (st.isDirectory()) listFiles(root, rel, out);
    else if (CODE.test(name) || name.endsWith('.c')) out.push(rel);
  }
}

function lineCount(text: string): number {
  if (text.length === 0) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function functionName(node: ts.Node, sf: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText(sf);
  return '(anonymous)';
}

function measureFunctions(file: string, text: string): { fns: FunctionSize[]; imports: string[] } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const fns: FunctionSize[] = [];
  const imports: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      fns.push({ file, name: functionName(node, sf), line: start + 1, lines: end - start + 1 });
    }
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push(node.moduleSpecifier.text);
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) imports.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { fns, imports };
}

/** The layer a file belongs to, for the import rules. */
function layerOf(file: string): string {
  if (file === 'bridge/port.ts' || file === 'bridge/q850.ts') return 'bridge-port';
  return file.split('/')[0] ?? '';
}

function mayImport(from: string, to: string): boolean {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === b || (a === 'bridge-port' && b === 'bridge-port')) return true;
  if (a === 'bridge-port') return b === 'common';
  if (a === 'bridge' && b === 'bridge-port') return true;
  return (LAYERS[a] ?? []).includes(b);
}

/** Strongly connected components of more than one file (Tarjan). */
function findCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = stack.pop()) { onStack.delete(w); comp.push(w); if (w === v) break; }
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return out;
}

export function measure(root: string): StructureReport {
  const files: string[] = [];
  for (const r of SOURCE_ROOTS) listFiles(root, r, files);
  const sizes: { file: string; lines: number }[] = [];
  const fns: FunctionSize[] = [];
  const graph = new Map<string, string[]>();
  const known = new Set(files);
  const layerViolations: { from: string; to: string }[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    sizes.push({ file, lines: lineCount(text) });
    if (file.endsWith('.c')) continue;
    const m = measureFunctions(file, text);
    fns.push(...m.fns);
    const targets: string[] = [];
    for (const spec of m.imports) {
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(root, dirname(file), spec));
      if (!known.has(target)) continue;
      targets.push(target);
      if (!mayImport(file, target)) layerViolations.push({ from: file, to: target });
    }
    graph.set(file, targets);
  }
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = dirname(file);
    const set = folders.get(from) ?? new Set<string>();
    for (const t of targets) {
      const to = dirname(t);
      if (to !== from && !from.startsWith(`${to}/`) && !to.startsWith(`${from}/`)) set.add(to);
    }
    folders.set(from, set);
  }
  const folderGraph = new Map([...folders].map(([k, v]) => [k, [...v]]));
  const sorted = sizes.map((s) => s.lines).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    files: sizes,
    longFiles: sizes.filter((s) => s.lines > LIMITS.fileLines).sort((a, b) => b.lines - a.lines),
    longFunctions: fns.filter((f) => f.lines > LIMITS.functionLines).sort((a, b) => b.lines - a.lines),
    medianFileLines: median,
    cycles: findCycles(graph),
    folderCycles: findCycles(folderGraph),
    layerViolations,
  };
}

function print(r: StructureReport): void {
  const lines = r.files.map((f) => f.lines).sort((a, b) => a - b);
  const out: string[] = [];
  out.push(`${r.files.length} source files under ${SOURCE_ROOTS.join(', ')}; ${lines.reduce((a, b) => a + b, 0)} lines`);
  out.push(`median file: ${r.medianFileLines} lines (limit ${LIMITS.medianFileLines}); longest: ${lines.at(-1) ?? 0}`);
  out.push(`files over ${LIMITS.fileLines} lines: ${r.longFiles.length}`);
  for (const f of r.longFiles) out.push(`  ${f.lines}  ${f.file}`);
  out.push(`functions over ${LIMITS.functionLines} lines: ${r.longFunctions.length}`);
  for (const f of r.longFunctions) out.push(`  ${f.lines}  ${f.file}:${f.line} ${f.name}`);
  out.push(`import cycles: ${r.cycles.length}`);
  for (const c of r.cycles) out.push(`  ${c.join(' -> ')}`);
  out.push(`folders importing each other: ${r.folderCycles.length}`);
  for (const c of r.folderCycles) out.push(`  ${c.join(' <-> ')}`);
  out.push(`imports against the layers: ${r.layerViolations.length}`);
  for (const v of r.layerViolations) out.push(`  ${v.from} -> ${v.to}`);
  process.stdout.write(out.join('\n') + '\n');
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scripts/structure.ts')) {
  const root = resolve(new URL('..', import.meta.url).pathname);
  const report = measure(root);
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else print(report);
}
