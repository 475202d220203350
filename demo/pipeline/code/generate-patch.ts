// Patch generation, a stage of the self-healing demo (docs/demo.md#what-is-real-and-what-is-simulated):
// turn a code location into a patch.
// Each template makes one small, readable edit in the file's own style
// (indentation, quotes, line endings), the result is given as a unified diff
// (a/<file>, b/<file>), and the patched file is parsed again to check it.
//
//   add_null_check      before the offending statement:
//                         if (<base> == null || <base>.<prop> == null) { logger.warn(...); return <fallback>; }
//                       the log line only when a `logger`/`log` is in scope. <fallback> follows the
//                       function's other returns: its own "nothing" answer (`return;`, `return null`) when
//                       it has one; otherwise the shape of its last return, keeping literals and values
//                       computed before the guard, and a neutral value ("skipped", 0, false, null, [])
//                       from the declared property type for values the skipped code would have computed.
//   increase_timeout    the timeout literal × 2.5, rounded up to the next 500 ms (800 → 2000).
//   increase_pool_size  the pool size literal × 3 (10 → 30).
//   add_retry           the awaited call wrapped in withRetry(() => ...): 3 attempts, exponential
//                       backoff from 100 ms, only for ECONNRESET/ETIMEDOUT-like error codes; the
//                       helper is appended to the file unless one named withRetry is there already.
import { createTwoFilesPatch, parsePatch } from "diff";
import ts from "typescript";
import { AppError } from "../../../server/core/errors";
import type { CodeLocation, GeneratedPatch, PatchTemplate } from "../types";
import {
  findFunction,
  findVariable,
  isFunctionLike,
  isStatementListParent,
  lineOf,
  localDeclarations,
  parseSource,
  scriptKindOf,
  settingExpression,
  unretriedAwaits,
  type FunctionLike,
  type SettingHolder,
} from "./localize-code";

export interface GeneratePatchInput {
  /** Path for the diff headers, e.g. "src/payment-processor.ts". */
  file: string;
  source: string;
  location: CodeLocation;
}

/** increase_timeout: ×2.5, rounded up to the next 500 ms (800 → 2000, 3000 → 7500). */
export function scaledTimeoutMs(current: number): number {
  return Math.ceil((current * 2.5) / 500) * 500;
}

/** increase_pool_size: ×3 (10 → 30). */
export function scaledPoolSize(current: number): number {
  return current * 3;
}

export const RETRY_HELPER_NAME = "withRetry";
export const TRANSIENT_ERROR_CODES = ["ECONNRESET", "ETIMEDOUT", "ECONNREFUSED", "EPIPE", "EAI_AGAIN"] as const;

interface Edit {
  start: number;
  end: number;
  text: string;
}

interface Style {
  indent: string;
  eol: string;
  quote: string;
}

export function generatePatch(input: GeneratePatchInput): GeneratedPatch {
  const { file, source, location } = input;
  const sf = parseSource(file, source);
  const style = styleOf(sf, source);
  const edits = editsFor(location.template, sf, source, location, style);
  const patchedSource = applyEdits(source, edits);
  if (patchedSource === source) throw new AppError("INTERNAL", `${file}: the ${location.template} template changed nothing`);
  const diff = unifiedDiff(file, source, patchedSource);
  const { added, removed } = countChanges(diff);
  const syntax = checkSyntax(file, patchedSource);
  return {
    template: location.template,
    file,
    diff,
    patchedSource,
    linesAdded: added,
    linesRemoved: removed,
    syntaxValid: syntax.valid,
    diagnostics: syntax.diagnostics,
  };
}

/** Parses the file again; valid when the parser reports no syntax error. */
export function checkSyntax(file: string, source: string): { valid: boolean; diagnostics: string[] } {
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, jsx: ts.JsxEmit.Preserve, allowJs: scriptKindOf(file) === ts.ScriptKind.JS },
  });
  const diagnostics = (out.diagnostics ?? []).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (d.file && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${file}:${line + 1}:${character + 1}: ${message}`;
    }
    return `${file}: ${message}`;
  });
  return { valid: diagnostics.length === 0, diagnostics };
}

export function unifiedDiff(file: string, before: string, after: string): string {
  // jsdiff starts with a "====" separator line; a unified diff starts at "---".
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context: 3 }).replace(/^=+\r?\n/, "");
}

function countChanges(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const patch of parsePatch(diff)) {
    for (const hunk of patch.hunks) {
      for (const line of hunk.lines) {
        if (line.startsWith("+")) added++;
        else if (line.startsWith("-")) removed++;
      }
    }
  }
  return { added, removed };
}

function applyEdits(source: string, edits: Edit[]): string {
  let out = source;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

function styleOf(sf: ts.SourceFile, source: string): Style {
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  // Leading whitespace of code lines (not the " * " of block comments).
  const indents = source.split(/\r?\n/).map((l) => /^[ \t]+(?=[^\s*])/.exec(l)?.[0] ?? "").filter((w) => w.length > 0);
  const indent = indents.some((w) => w.startsWith("\t")) ? "\t" : " ".repeat(indents.length > 0 ? Math.min(...indents.map((w) => w.length)) : 2);
  let quote = '"';
  const visit = (node: ts.Node): boolean => (ts.isStringLiteral(node) ? ((quote = node.getText(sf).charAt(0)), true) : ts.forEachChild(node, visit) === true);
  visit(sf);
  return { eol, indent, quote };
}

function stale(location: CodeLocation, why: string): AppError {
  return new AppError("NOT_FOUND", `${location.file}: ${location.function}: ${why} (the location is stale or was not made for this file)`, {
    file: location.file,
    line: location.line,
    expression: location.expression,
  });
}

function editsFor(template: PatchTemplate, sf: ts.SourceFile, source: string, location: CodeLocation, style: Style): Edit[] {
  switch (template) {
    case "add_null_check":
      return nullCheckEdits(sf, source, location, style);
    case "increase_timeout":
      return settingEdits(sf, location, scaledTimeoutMs);
    case "increase_pool_size":
      return settingEdits(sf, location, scaledPoolSize);
    case "add_retry":
      return retryEdits(sf, source, location, style);
  }
}

function requireFunction(sf: ts.SourceFile, location: CodeLocation): FunctionLike {
  const fn = findFunction(sf, location.function);
  if (!fn) throw stale(location, `no function named "${location.function}"`);
  return fn;
}

function lineStart(source: string, pos: number): number {
  return source.lastIndexOf("\n", pos - 1) + 1;
}

function quoted(text: string, quote: string): string {
  return quote + text.replace(/\\/g, "\\\\").split(quote).join(`\\${quote}`) + quote;
}

// ---------------------------------------------------------------- add_null_check

function nullCheckEdits(sf: ts.SourceFile, source: string, location: CodeLocation, style: Style): Edit[] {
  const fn = requireFunction(sf, location);
  let access: ts.PropertyAccessExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (access) return;
    if (ts.isPropertyAccessExpression(node) && node.getText(sf) === location.expression && lineOf(sf, node) === location.line) {
      access = node;
      return;
    }
    ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  if (!access) throw stale(location, `\`${location.expression}\` is not at line ${location.line}`);

  // The statement to guard: the one that sits directly in a statement list.
  let stmt: ts.Node = access;
  while (!isStatementListParent(stmt.parent)) {
    stmt = stmt.parent;
    if (isFunctionLike(stmt)) {
      throw new AppError("VALIDATION_FAILED", `${location.file}:${location.line}: \`${location.expression}\` is inside an expression-bodied callback; add_null_check cannot place a guard statement there`);
    }
  }
  const owner = enclosingFunction(stmt) ?? fn;
  const leading = ts.getLeadingCommentRanges(source, stmt.pos) ?? [];
  const insertAt = lineStart(source, leading[0]?.pos ?? stmt.getStart(sf));
  const indent = /^[ \t]*/.exec(source.slice(insertAt))?.[0] ?? "";
  const inner = indent + style.indent;

  const base = access.expression.getText(sf);
  const prop = access.name.text;
  const lines = [`${indent}if (${base} == null || ${base}.${prop} == null) {`];
  const logger = loggerInScope(sf, owner, insertAt);
  if (logger) lines.push(`${inner}${logger}.warn(${quoted(`${location.function}: ${base}.${prop} is missing; returning early`, style.quote)});`);
  const fallback = fallbackReturn(sf, owner, insertAt, base, style);
  lines.push(`${inner}return${fallback === "" ? "" : ` ${fallback}`};`, `${indent}}`);
  return [{ start: insertAt, end: insertAt, text: lines.join(style.eol) + style.eol }];
}

function enclosingFunction(node: ts.Node): FunctionLike | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}

/** `logger` or `log` declared in the module or in the function before the guard (never `console`). */
function loggerInScope(sf: ts.SourceFile, fn: FunctionLike, before: number): string | undefined {
  for (const name of ["logger", "log"]) {
    const local = localDeclarations(fn).get(name);
    if (local && (local.kind === "param" || local.node.pos < before)) return name;
    for (const stmt of sf.statements) {
      if (ts.isVariableStatement(stmt) && stmt.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)) return name;
      if (ts.isImportDeclaration(stmt) && stmt.importClause) {
        const clause = stmt.importClause;
        if (clause.name?.text === name) return name;
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name)) return name;
        if (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === name) return name;
      }
    }
  }
  return undefined;
}

function returnsOf(fn: FunctionLike): ts.ReturnStatement[] {
  const out: ts.ReturnStatement[] = [];
  const visit = (node: ts.Node): void => {
    if (node !== fn && isFunctionLike(node)) return;
    if (ts.isReturnStatement(node)) out.push(node);
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return out;
}

/** What the guard returns (without "return "), "" for a bare `return;`. */
function fallbackReturn(sf: ts.SourceFile, fn: FunctionLike, insertAt: number, base: string, style: Style): string {
  const returns = returnsOf(fn);
  // 1. The function's own "nothing" answer.
  const nothing = returns.find((r) => !r.expression || r.expression.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(r.expression) && r.expression.text === "undefined"));
  if (nothing) return nothing.expression ? nothing.expression.getText(sf) : "";
  const declared = unwrapPromise(fn.type);
  const valued = returns.filter((r): r is ts.ReturnStatement & { expression: ts.Expression } => r.expression !== undefined);
  const last = valued.filter((r) => r.pos >= insertAt).pop() ?? valued[valued.length - 1];
  if (!last) return declared && declared.kind !== ts.SyntaxKind.VoidKeyword ? placeholderFor(sf, declared, style) : "";
  const value = unwrapExpr(last.expression);
  // 2. The shape of the normal path's answer.
  if (ts.isObjectLiteralExpression(value)) {
    const available = (e: ts.Expression) => isAvailable(sf, fn, e, insertAt, base);
    const props = value.properties.map((p) => {
      if (ts.isPropertyAssignment(p)) {
        const keep = isLiteral(p.initializer) || available(p.initializer);
        return `${p.name.getText(sf)}: ${keep ? p.initializer.getText(sf) : placeholderFor(sf, propertyType(sf, declared, nameOf(p.name)), style)}`;
      }
      if (ts.isShorthandPropertyAssignment(p)) {
        return available(p.name) ? p.name.text : `${p.name.text}: ${placeholderFor(sf, propertyType(sf, declared, p.name.text), style)}`;
      }
      return p.getText(sf);
    });
    return `{ ${props.join(", ")} }`;
  }
  // 3. A scalar answer: the same literal, or a neutral value of the declared type.
  if (isLiteral(value)) return value.getText(sf);
  return placeholderFor(sf, declared, style);
}

function nameOf(name: ts.PropertyName): string {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) ? name.text : name.getText();
}

function unwrapExpr(e: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) ? unwrapExpr(e.expression) : e;
}

function isLiteral(e: ts.Expression): boolean {
  const k = unwrapExpr(e).kind;
  return (
    k === ts.SyntaxKind.StringLiteral ||
    k === ts.SyntaxKind.NumericLiteral ||
    k === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
    k === ts.SyntaxKind.TrueKeyword ||
    k === ts.SyntaxKind.FalseKeyword ||
    k === ts.SyntaxKind.NullKeyword
  );
}

/** Can the guard use this expression: nothing in it is declared after the guard, and it does not read the guarded value. */
function isAvailable(sf: ts.SourceFile, fn: FunctionLike, expr: ts.Node, insertAt: number, base: string): boolean {
  const locals = localDeclarations(fn);
  let ok = true;
  const visit = (node: ts.Node): void => {
    if (!ok) return;
    if ((ts.isIdentifier(node) || ts.isPropertyAccessExpression(node)) && node.getText(sf) === base) ok = false;
    if (ts.isIdentifier(node) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node)) {
      const decl = locals.get(node.text);
      if (decl && decl.kind === "var" && decl.node.pos >= insertAt) ok = false;
    }
    ts.forEachChild(node, visit);
  };
  visit(expr);
  return ok;
}

function unwrapPromise(type: ts.TypeNode | undefined): ts.TypeNode | undefined {
  if (type && ts.isTypeReferenceNode(type) && type.typeName.getText() === "Promise") return type.typeArguments?.[0];
  return type;
}

/** The declared type of `name` in the interface or type literal the function returns, if the file declares it. */
function propertyType(sf: ts.SourceFile, declared: ts.TypeNode | undefined, name: string): ts.TypeNode | undefined {
  if (!declared) return undefined;
  if (ts.isUnionTypeNode(declared)) {
    for (const t of declared.types) {
      const found = propertyType(sf, t, name);
      if (found) return found;
    }
    return undefined;
  }
  let members: ts.NodeArray<ts.TypeElement> | undefined;
  if (ts.isTypeLiteralNode(declared)) members = declared.members;
  if (ts.isTypeReferenceNode(declared)) {
    const typeName = declared.typeName.getText(sf);
    for (const stmt of sf.statements) {
      if (ts.isInterfaceDeclaration(stmt) && stmt.name.text === typeName) members = stmt.members;
      if (ts.isTypeAliasDeclaration(stmt) && stmt.name.text === typeName && ts.isTypeLiteralNode(stmt.type)) members = stmt.type.members;
    }
  }
  const member = members?.find((m): m is ts.PropertySignature => ts.isPropertySignature(m) && m.name !== undefined && nameOf(m.name) === name);
  return member?.type;
}

/** A neutral value of a declared type: "skipped" for strings, 0, false, null, [] … */
function placeholderFor(sf: ts.SourceFile, type: ts.TypeNode | undefined, style: Style): string {
  if (!type) return "null";
  switch (type.kind) {
    case ts.SyntaxKind.StringKeyword:
      return quoted("skipped", style.quote);
    case ts.SyntaxKind.NumberKeyword:
      return "0";
    case ts.SyntaxKind.BigIntKeyword:
      return "0n";
    case ts.SyntaxKind.BooleanKeyword:
      return "false";
    case ts.SyntaxKind.UndefinedKeyword:
    case ts.SyntaxKind.VoidKeyword:
      return "undefined";
  }
  if (ts.isLiteralTypeNode(type)) return type.literal.getText(sf);
  if (ts.isArrayTypeNode(type) || (ts.isTypeReferenceNode(type) && /^(Readonly)?Array$/.test(type.typeName.getText(sf)))) return "[]";
  if (ts.isUnionTypeNode(type)) {
    if (type.types.some((t) => ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword)) return "null";
    if (type.types.some((t) => t.kind === ts.SyntaxKind.UndefinedKeyword)) return "undefined";
    const first = type.types[0];
    return first ? placeholderFor(sf, first, style) : "null";
  }
  if (ts.isParenthesizedTypeNode(type)) return placeholderFor(sf, type.type, style);
  return "null";
}

// ---------------------------------------------------------------- increase_timeout / increase_pool_size

function settingEdits(sf: ts.SourceFile, location: CodeLocation, scale: (current: number) => number): Edit[] {
  let edit: Edit | undefined;
  const visit = (node: ts.Node): void => {
    if (edit) return;
    if ((ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node)) && node.initializer && lineOf(sf, node) === location.line) {
      const literal = node.initializer;
      if (ts.isNumericLiteral(literal) && settingExpression(sf, node as SettingHolder, literal) === location.expression) {
        const current = Number(literal.getText(sf).replace(/_/g, ""));
        edit = { start: literal.getStart(sf), end: literal.getEnd(), text: formatLike(literal.getText(sf), scale(current)) };
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (!edit) throw stale(location, `no numeric setting \`${location.expression}\` at line ${location.line}`);
  return [edit];
}

/** Keeps numeric separators when the original used them (1_000 → 2_500). */
function formatLike(original: string, value: number): string {
  return original.includes("_") ? String(value).replace(/\B(?=(\d{3})+(?!\d))/g, "_") : String(value);
}

// ---------------------------------------------------------------- add_retry

function retryEdits(sf: ts.SourceFile, source: string, location: CodeLocation, style: Style): Edit[] {
  const fn = requireFunction(sf, location);
  const target = unretriedAwaits(sf, fn).find((a) => a.call.getText(sf) === location.expression && lineOf(sf, a.call) === location.line);
  if (!target) throw stale(location, `no un-retried awaited call \`${location.expression}\` at line ${location.line}`);
  const call = target.call;
  const edits: Edit[] = [{ start: call.getStart(sf), end: call.getEnd(), text: `${RETRY_HELPER_NAME}(() => ${call.getText(sf)})` }];
  const hasHelper = sf.statements.some((s) => (ts.isFunctionDeclaration(s) && s.name?.text === RETRY_HELPER_NAME)) || findVariable(sf, RETRY_HELPER_NAME, sf) !== undefined;
  if (!hasHelper) {
    const typed = scriptKindOf(location.file) === ts.ScriptKind.TS || scriptKindOf(location.file) === ts.ScriptKind.TSX;
    const trailing = source.endsWith("\n") ? "" : style.eol;
    edits.push({ start: source.length, end: source.length, text: trailing + style.eol + retryHelper(style, typed).join(style.eol) + style.eol });
  }
  return edits;
}

function retryHelper(style: Style, typed: boolean): string[] {
  const i = (n: number) => style.indent.repeat(n);
  const q = (s: string) => quoted(s, style.quote);
  const codes = TRANSIENT_ERROR_CODES.map(q).join(", ");
  return [
    "/** Retries an operation that failed with a transient network error: 3 attempts, backoff 100 ms, 200 ms. */",
    typed
      ? `async function ${RETRY_HELPER_NAME}<T>(operation: () => Promise<T>, attempts = 3, baseDelayMs = 100): Promise<T> {`
      : `async function ${RETRY_HELPER_NAME}(operation, attempts = 3, baseDelayMs = 100) {`,
    `${i(1)}for (let attempt = 1; ; attempt++) {`,
    `${i(2)}try {`,
    `${i(3)}return await operation();`,
    `${i(2)}} catch (error) {`,
    typed ? `${i(3)}const code = (error as { code?: unknown } | null)?.code;` : `${i(3)}const code = error?.code;`,
    `${i(3)}const transient = [${codes}].includes(String(code));`,
    `${i(3)}if (!transient || attempt >= attempts) throw error;`,
    `${i(3)}await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1)));`,
    `${i(2)}}`,
    `${i(1)}}`,
    "}",
  ];
}
