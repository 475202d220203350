// Code localization, a stage of the self-healing demo (docs/demo.md#what-is-real-and-what-is-simulated):
// find the line of source a fault comes from. The file is parsed with the TypeScript compiler API; the function
// the stack frame names is looked up in the syntax tree, and what is searched
// inside it depends on the error pattern:
//   NULL_POINTER_EXCEPTION     the first property access on a value that may be null, with no guard before it
//   UPSTREAM_TIMEOUT           the numeric timeout setting the function uses (followed through identifiers)
//   CONNECTION_POOL_EXHAUSTED  the pool size setting of the pool the function draws from
//   TRANSIENT_NETWORK_ERROR    the one network call the function awaits with no retry
// Analysis is syntactic and local to the file: no type checker, no imports followed.
import ts from "typescript";
import { AppError } from "../../../server/core/errors";
import type { CodeLocation, ErrorPattern, PatchTemplate, SourceFrame } from "../types";

export interface LocalizeCodeInput {
  /** Path used in messages and in the location, e.g. "src/payment-processor.ts". */
  file: string;
  source: string;
  frame: SourceFrame;
  pattern: ErrorPattern;
  /** For NULL_POINTER_EXCEPTION: the property the error message names (e.g. "email"), if any. */
  property?: string;
}

export const TEMPLATE_FOR_PATTERN: Record<Exclude<ErrorPattern, "UNKNOWN">, PatchTemplate> = {
  NULL_POINTER_EXCEPTION: "add_null_check",
  UPSTREAM_TIMEOUT: "increase_timeout",
  CONNECTION_POOL_EXHAUSTED: "increase_pool_size",
  TRANSIENT_NETWORK_ERROR: "add_retry",
};

/** Setting names the two numeric templates look for. */
export const TIMEOUT_SETTING = /timeout/i;
export const POOL_SIZE_SETTING = /^(max|maxConnections|maxPoolSize|maxSize|poolSize|pool_size|connectionLimit)$/i;

/** Callees that talk to the network, for the retry template. */
const NETWORK_CALL = /(^|\.)(fetch|request)\b|\b(transport|client|http|https|upstream|socket|api|axios|got|remote)\b/i;

export type FunctionLike = ts.FunctionDeclaration | ts.MethodDeclaration | ts.FunctionExpression | ts.ArrowFunction;

export function parseSource(file: string, source: string): ts.SourceFile {
  return ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, scriptKindOf(file));
}

export function scriptKindOf(file: string): ts.ScriptKind {
  if (/\.tsx$/i.test(file)) return ts.ScriptKind.TSX;
  if (/\.jsx$/i.test(file)) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/i.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/** 1-based line of a node's first token. */
export function lineOf(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

export function snippetAround(source: string, line: number, radius = 3): { line: number; text: string }[] {
  const lines = source.split(/\r?\n/);
  const from = Math.max(1, line - radius);
  const to = Math.min(lines.length, line + radius);
  const out: { line: number; text: string }[] = [];
  for (let n = from; n <= to; n++) out.push({ line: n, text: lines[n - 1] ?? "" });
  return out;
}

export function isFunctionLike(node: ts.Node): node is FunctionLike {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node);
}

function unwrap(expr: ts.Expression): ts.Expression {
  let e = expr;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

function nameText(name: ts.PropertyName | ts.BindingName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/**
 * The function a stack frame names: a function declaration, a const bound to an
 * arrow or function expression, a method, or an object property holding a function.
 * "Class.method" and "Object.method" frames match on the last segment.
 */
export function findFunction(sf: ts.SourceFile, name: string): FunctionLike | undefined {
  const wanted = [name.trim(), name.trim().split(".").pop() ?? ""].filter((n) => n.length > 0 && n !== "<anonymous>");
  for (const target of wanted) {
    let found: FunctionLike | undefined;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.body && nameText(node.name) === target) {
        found = node;
        return;
      }
      if ((ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node) || ts.isPropertyDeclaration(node)) && nameText(node.name) === target && node.initializer) {
        const init = unwrap(node.initializer);
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) {
          found = init;
          return;
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    if (found) return found;
  }
  return undefined;
}

function notFound(input: LocalizeCodeInput, why: string): AppError {
  return new AppError("NOT_FOUND", `${input.file}: ${input.frame.function}: ${why}`, { file: input.file, function: input.frame.function, pattern: input.pattern });
}

export function localizeCode(input: LocalizeCodeInput): CodeLocation {
  if (input.pattern === "UNKNOWN") throw notFound(input, "the error pattern is UNKNOWN, so there is nothing to look for and no template to apply");
  const sf = parseSource(input.file, input.source);
  const fn = findFunction(sf, input.frame.function);
  if (!fn) throw notFound(input, `no function, method or function-valued const named "${input.frame.function}" in the file`);
  const template = TEMPLATE_FOR_PATTERN[input.pattern];
  const found = findByPattern(sf, fn, input);
  return {
    file: input.file,
    function: input.frame.function,
    line: found.line,
    expression: found.expression,
    finding: found.finding,
    snippet: snippetAround(input.source, found.line),
    template,
  };
}

interface Found {
  line: number;
  expression: string;
  finding: string;
}

function findByPattern(sf: ts.SourceFile, fn: FunctionLike, input: LocalizeCodeInput): Found {
  switch (input.pattern) {
    case "NULL_POINTER_EXCEPTION":
      return findNullAccess(sf, fn, input);
    case "UPSTREAM_TIMEOUT":
      return findSettingFound(sf, fn, input, TIMEOUT_SETTING, "timeout");
    case "CONNECTION_POOL_EXHAUSTED":
      return findSettingFound(sf, fn, input, POOL_SIZE_SETTING, "pool size");
    case "TRANSIENT_NETWORK_ERROR":
      return findUnretriedCall(sf, fn, input);
    default:
      throw notFound(input, `no localization rule for ${input.pattern}`);
  }
}

// ---------------------------------------------------------------- null access

type Declared = { kind: "param"; node: ts.ParameterDeclaration } | { kind: "var"; node: ts.VariableDeclaration };

/** Parameters and variables declared anywhere inside the function, by name (first wins). */
export function localDeclarations(fn: FunctionLike): Map<string, Declared> {
  const out = new Map<string, Declared>();
  const addBinding = (name: ts.BindingName, add: (n: string) => void) => {
    if (ts.isIdentifier(name)) add(name.text);
    else for (const el of name.elements) if (ts.isBindingElement(el)) addBinding(el.name, add);
  };
  for (const p of fn.parameters) addBinding(p.name, (n) => out.has(n) || out.set(n, { kind: "param", node: p }));
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node)) addBinding(node.name, (n) => out.has(n) || out.set(n, { kind: "var", node }));
    if (ts.isParameter(node) && node.parent !== fn) addBinding(node.name, (n) => out.has(n) || out.set(n, { kind: "param", node }));
    ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return out;
}

function typeAdmitsNull(type: ts.TypeNode | undefined): boolean {
  if (!type) return false;
  const isNullish = (t: ts.TypeNode) => t.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword);
  return isNullish(type) || (ts.isUnionTypeNode(type) && type.types.some(isNullish));
}

/** Why a value may be null or undefined at runtime, or undefined when it may not. */
function nullableReason(sf: ts.SourceFile, base: ts.Expression, locals: Map<string, Declared>): string | undefined {
  if (ts.isIdentifier(base)) {
    const decl = locals.get(base.text);
    if (!decl) return undefined;
    if (decl.kind === "param") {
      if (decl.node.questionToken || typeAdmitsNull(decl.node.type)) return `parameter \`${base.text}\` is declared optional or nullable`;
      return undefined;
    }
    if (typeAdmitsNull(decl.node.type)) return `\`${base.text}\` is declared nullable (line ${lineOf(sf, decl.node)})`;
    const init = decl.node.initializer ? unwrap(decl.node.initializer) : undefined;
    const value = init && ts.isAwaitExpression(init) ? unwrap(init.expression) : init;
    if (!value) return undefined;
    if (ts.isPropertyAccessExpression(value) || ts.isElementAccessExpression(value)) {
      return `\`${base.text}\` is assigned from \`${value.getText(sf)}\` at line ${lineOf(sf, decl.node)}, a field of input data that may be null or missing`;
    }
    if (ts.isCallExpression(value) && ts.isPropertyAccessExpression(value.expression) && /^(find|get|pop|shift|at)$/.test(value.expression.name.text)) {
      return `\`${base.text}\` is the result of \`.${value.expression.name.text}()\` at line ${lineOf(sf, decl.node)}, which returns undefined when nothing matches`;
    }
    return undefined;
  }
  // A nested field of a parameter or local (`account.profile` in `account.profile.displayName`).
  if (ts.isPropertyAccessExpression(base) && !base.questionDotToken) {
    let root: ts.Expression = base.expression;
    while (ts.isPropertyAccessExpression(root)) root = root.expression;
    if (ts.isIdentifier(root) && locals.has(root.text)) return `\`${base.getText(sf)}\` is a nested field of input data that may be null or missing`;
  }
  return undefined;
}

const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken]);

function isNullishLiteral(e: ts.Expression): boolean {
  return e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === "undefined");
}

/** Does `cond` test `base` for null, undefined or truthiness anywhere in it? */
export function conditionChecks(sf: ts.SourceFile, cond: ts.Expression, base: string): boolean {
  let checks = false;
  const isBase = (e: ts.Expression) => unwrap(e).getText(sf) === base;
  const visit = (node: ts.Node): void => {
    if (checks) return;
    if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind;
      if (EQUALITY.has(op) && ((isBase(node.left) && isNullishLiteral(node.right)) || (isBase(node.right) && isNullishLiteral(node.left)))) checks = true;
      if ((op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) && (isBase(node.left) || isBase(node.right))) checks = true;
    }
    if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken && isBase(node.operand)) checks = true;
    if (ts.isTypeOfExpression(node) && isBase(node.expression)) checks = true;
    ts.forEachChild(node, visit);
  };
  if (isBase(cond)) return true;
  visit(cond);
  return checks;
}

function exits(stmt: ts.Statement): boolean {
  if (ts.isReturnStatement(stmt) || ts.isThrowStatement(stmt) || ts.isContinueStatement(stmt) || ts.isBreakStatement(stmt)) return true;
  if (ts.isBlock(stmt)) {
    const last = stmt.statements[stmt.statements.length - 1];
    return last !== undefined && exits(last);
  }
  return false;
}

export function isStatementListParent(node: ts.Node): node is ts.Block | ts.SourceFile | ts.ModuleBlock | ts.CaseClause | ts.DefaultClause {
  return ts.isBlock(node) || ts.isSourceFile(node) || ts.isModuleBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node);
}

/** Is the access to `base` protected by a check on the way to it inside the function? */
export function isGuarded(sf: ts.SourceFile, access: ts.Node, base: string, fn: ts.Node): boolean {
  let child: ts.Node = access;
  let node: ts.Node | undefined = access.parent;
  while (node && child !== fn) {
    if (ts.isBinaryExpression(node) && child === node.right) {
      const op = node.operatorToken.kind;
      if ((op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) && conditionChecks(sf, node.left, base)) return true;
    }
    if (ts.isConditionalExpression(node) && child !== node.condition && conditionChecks(sf, node.condition, base)) return true;
    if (ts.isIfStatement(node) && child !== node.expression && conditionChecks(sf, node.expression, base)) return true;
    if (isStatementListParent(node)) {
      for (const stmt of node.statements) {
        if (stmt === child) break;
        if (ts.isIfStatement(stmt) && conditionChecks(sf, stmt.expression, base) && exits(stmt.thenStatement)) return true;
      }
    }
    child = node;
    node = node.parent;
  }
  return false;
}

function findNullAccess(sf: ts.SourceFile, fn: FunctionLike, input: LocalizeCodeInput): Found {
  const locals = localDeclarations(fn);
  const candidates: { access: ts.PropertyAccessExpression; reason: string }[] = [];
  // Post-order, so that in `a.b.c.d` the innermost access that can fail comes first.
  const visit = (node: ts.Node): void => {
    ts.forEachChild(node, visit);
    if (ts.isPropertyAccessExpression(node) && !node.questionDotToken) {
      const base = node.expression;
      const reason = nullableReason(sf, base, locals);
      if (reason && !isGuarded(sf, node, base.getText(sf), fn)) candidates.push({ access: node, reason });
    }
  };
  if (fn.body) visit(fn.body);
  const onLine = input.frame.line === undefined ? [] : candidates.filter((c) => lineOf(sf, c.access) === input.frame.line);
  const ofProperty = input.property ? candidates.filter((c) => c.access.name.text === input.property) : [];
  const pick = [onLine.find((c) => !input.property || c.access.name.text === input.property), onLine[0], ofProperty[0], candidates[0]].find((c) => c !== undefined);
  if (!pick) throw notFound(input, "no property access on a value that may be null is left unguarded in the function");
  const expression = pick.access.getText(sf);
  return {
    line: lineOf(sf, pick.access),
    expression,
    finding: `\`${expression}\` reads a property with no null check before it: ${pick.reason}.`,
  };
}

// ---------------------------------------------------------------- numeric settings

export type SettingHolder = ts.VariableDeclaration | ts.PropertyAssignment;

/** How a setting is shown: "INVENTORY_TIMEOUT_MS = 800" or "max: 10". */
export function settingExpression(sf: ts.SourceFile, holder: SettingHolder, literal: ts.NumericLiteral): string {
  const name = holder.name.getText(sf);
  return ts.isVariableDeclaration(holder) ? `${name} = ${literal.getText(sf)}` : `${name}: ${literal.getText(sf)}`;
}

/** The numeric literal a setting's value comes down to, and the declaration that holds it. */
function resolveNumeric(sf: ts.SourceFile, expr: ts.Expression, holder: SettingHolder, seen: Set<ts.Node>): { literal: ts.NumericLiteral; holder: SettingHolder } | undefined {
  const e = unwrap(expr);
  if (seen.has(e)) return undefined;
  seen.add(e);
  if (ts.isNumericLiteral(e)) return { literal: e, holder };
  if (ts.isIdentifier(e)) {
    const decl = findVariable(sf, e.text, e);
    return decl?.initializer ? resolveNumeric(sf, decl.initializer, decl, seen) : undefined;
  }
  if (ts.isPropertyAccessExpression(e)) {
    const obj = objectLiteralOf(sf, e.expression, seen);
    const prop = obj?.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && nameText(p.name) === e.name.text);
    return prop ? resolveNumeric(sf, prop.initializer, prop, seen) : undefined;
  }
  return undefined;
}

function objectLiteralOf(sf: ts.SourceFile, expr: ts.Expression, seen: Set<ts.Node>): ts.ObjectLiteralExpression | undefined {
  const e = unwrap(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e) && !seen.has(e)) {
    seen.add(e);
    const decl = findVariable(sf, e.text, e);
    return decl?.initializer ? objectLiteralOf(sf, decl.initializer, seen) : undefined;
  }
  return undefined;
}

/** The variable declaration a name refers to: the nearest enclosing function's own first, then the module's. */
export function findVariable(sf: ts.SourceFile, name: string, from: ts.Node): ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = from; scope; scope = scope.parent) {
    if (!isFunctionLike(scope) && !ts.isSourceFile(scope)) continue;
    let found: ts.VariableDeclaration | undefined;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name) {
        found = node;
        return;
      }
      if (node !== scope && isFunctionLike(node)) return;
      ts.forEachChild(node, visit);
    };
    visit(scope);
    if (found) return found;
  }
  return undefined;
}

export interface NumericSetting {
  holder: SettingHolder;
  literal: ts.NumericLiteral;
  /** The name the function uses it by, e.g. "timeoutMs: INVENTORY_TIMEOUT_MS". */
  usedAs: string;
}

/**
 * The first numeric setting whose name matches `pattern` that the function uses:
 * in its own body first, then in the declarations of the variables it refers to
 * (breadth first, three levels), following identifiers and `config.field` reads
 * to the literal.
 */
export function findNumericSetting(sf: ts.SourceFile, fn: FunctionLike, pattern: RegExp): NumericSetting | undefined {
  const visited = new Set<ts.Node>();
  let level: ts.Node[] = fn.body ? [fn.body] : [];
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const next: ts.Node[] = [];
    for (const root of level) {
      let hit: NumericSetting | undefined;
      const visit = (node: ts.Node): void => {
        if (hit) return;
        if ((ts.isPropertyAssignment(node) || ts.isVariableDeclaration(node)) && node.initializer && pattern.test(nameText(node.name) ?? "")) {
          const resolved = resolveNumeric(sf, node.initializer, node, new Set());
          if (resolved) {
            hit = { ...resolved, usedAs: node.getText(sf) };
            return;
          }
        }
        if (ts.isIdentifier(node) && !isPropertyNamePosition(node)) {
          const decl = findVariable(sf, node.text, node);
          if (decl && !visited.has(decl) && decl.initializer) {
            visited.add(decl);
            next.push(decl);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(root);
      if (hit) return hit;
    }
    level = next;
  }
  return undefined;
}

function isPropertyNamePosition(id: ts.Identifier): boolean {
  const p = id.parent;
  return (ts.isPropertyAccessExpression(p) && p.name === id) || (ts.isPropertyAssignment(p) && p.name === id) || (ts.isVariableDeclaration(p) && p.name === id);
}

function findSettingFound(sf: ts.SourceFile, fn: FunctionLike, input: LocalizeCodeInput, pattern: RegExp, what: string): Found {
  const setting = findNumericSetting(sf, fn, pattern);
  if (!setting) throw notFound(input, `no numeric ${what} setting is used by the function or by the values it refers to`);
  const line = lineOf(sf, setting.holder);
  const expression = settingExpression(sf, setting.holder, setting.literal);
  const value = setting.literal.getText(sf);
  const via = setting.usedAs === setting.holder.getText(sf) ? "" : ` (used as \`${setting.usedAs}\`)`;
  const finding =
    what === "timeout"
      ? `\`${input.frame.function}\` bounds its upstream call with \`${expression}\`${via}: ${value} ms, too short for the upstream's slow answers.`
      : `\`${input.frame.function}\` draws from a pool sized \`${expression}\`${via}: at most ${value} connections, so callers queue and time out under load.`;
  return { line, expression, finding };
}

// ---------------------------------------------------------------- un-retried network call

function isRetried(call: ts.Node, fn: ts.Node): boolean {
  for (let node: ts.Node | undefined = call.parent; node && node !== fn; node = node.parent) {
    if (ts.isCallExpression(node) && /retry/i.test(node.expression.getText())) return true;
    if (ts.isForStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node)) return true;
  }
  return false;
}

/** The awaited calls of the function that no retry wraps; network-looking ones flagged. */
export function unretriedAwaits(sf: ts.SourceFile, fn: FunctionLike): { call: ts.CallExpression; network: boolean }[] {
  const out: { call: ts.CallExpression; network: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (node !== fn && isFunctionLike(node)) return;
    if (ts.isAwaitExpression(node)) {
      const call = unwrap(node.expression);
      if (ts.isCallExpression(call) && !/retry/i.test(call.expression.getText(sf)) && !isRetried(call, fn)) out.push({ call, network: NETWORK_CALL.test(call.expression.getText(sf)) });
    }
    ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return out;
}

function findUnretriedCall(sf: ts.SourceFile, fn: FunctionLike, input: LocalizeCodeInput): Found {
  const awaits = unretriedAwaits(sf, fn);
  const network = awaits.filter((a) => a.network);
  const pick = network[0] ?? (awaits.length === 1 ? awaits[0] : undefined);
  if (!pick) {
    throw notFound(input, awaits.length === 0 ? "the function awaits no call that is not already retried" : "none of the awaited calls looks like a network call, and there is more than one");
  }
  const expression = pick.call.getText(sf);
  return {
    line: lineOf(sf, pick.call),
    expression,
    finding: `\`${expression}\` is awaited once with no retry: a transient network error (ECONNRESET, ETIMEDOUT) fails the whole request.`,
  };
}
