// A unified diff (the `diff -u` / `git diff` format) of two texts, for --fix-dry-run. Lines are
// compared with their line endings, so a CRLF file's diff carries its `\r` and applies with `patch`
// or `git apply`. Myers' O(ND) algorithm: fixes change a few lines, so D stays small.

interface Line {
  /** The line without its terminator. */
  text: string;
  /** "\n", "\r\n", "\r" or "" for a last line without one. */
  eol: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const pattern = /\r\n|\n|\r/g;
  let start = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    lines.push({ text: text.slice(start, match.index), eol: match[0] });
    start = match.index + match[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: '' });
  return lines;
}

type Op = { kind: 'equal' | 'delete' | 'insert'; line: Line };

/** The shortest edit script between two line arrays (Myers 1986, with the trace kept for backtracking). */
function shortestEdit(a: string[], b: string[]): ('equal' | 'delete' | 'insert')[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])) x = v[offset + k + 1];
      else x = v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  trace.push(v);
  // Walk back from (n, m) through the saved frontiers.
  const script: ('equal' | 'delete' | 'insert')[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0; d--) {
    const frontier = trace[d];
    const k = x - y;
    let previousK: number;
    if (k === -d || (k !== d && frontier[offset + k - 1] < frontier[offset + k + 1])) previousK = k + 1;
    else previousK = k - 1;
    const previousX = d === 0 ? 0 : frontier[offset + previousK];
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      script.push('equal');
      x--;
      y--;
    }
    if (d === 0) break;
    if (x === previousX) {
      script.push('insert');
      y--;
    } else {
      script.push('delete');
      x--;
    }
  }
  while (x > 0 && y > 0) {
    script.push('equal');
    x--;
    y--;
  }
  return script.reverse();
}

function diffLines(a: Line[], b: Line[]): Op[] {
  // Common prefix and suffix need no search.
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && sameLine(a[prefix], b[prefix])) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    sameLine(a[a.length - 1 - suffix], b[b.length - 1 - suffix])
  ) {
    suffix++;
  }
  const middleA = a.slice(prefix, a.length - suffix);
  const middleB = b.slice(prefix, b.length - suffix);
  const key = (line: Line) => `${line.text}\u0000${line.eol}`;
  const script = shortestEdit(middleA.map(key), middleB.map(key));
  const ops: Op[] = a.slice(0, prefix).map((line) => ({ kind: 'equal', line }));
  let i = 0;
  let j = 0;
  for (const step of script) {
    if (step === 'equal') {
      ops.push({ kind: 'equal', line: middleA[i++] });
      j++;
    } else if (step === 'delete') ops.push({ kind: 'delete', line: middleA[i++] });
    else ops.push({ kind: 'insert', line: middleB[j++] });
  }
  for (const line of a.slice(a.length - suffix)) ops.push({ kind: 'equal', line });
  return ops;
}

function sameLine(a: Line, b: Line): boolean {
  return a.text === b.text && a.eol === b.eol;
}

function range(start: number, count: number): string {
  // For an empty range the number is the line before it, as in `diff -u`.
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/**
 * The unified diff turning `oldText` into `newText`, or '' when they are equal. `oldName`/`newName`
 * are the `---`/`+++` labels (e.g. `a/deploy/svc.yaml`).
 */
export function unifiedDiff(oldName: string, newName: string, oldText: string, newText: string, context = 3): string {
  if (oldText === newText) return '';
  const ops = diffLines(splitLines(oldText), splitLines(newText));
  const changed = ops.map((op, index) => (op.kind === 'equal' ? -1 : index)).filter((index) => index >= 0);
  const out: string[] = [`--- ${oldName}\n`, `+++ ${newName}\n`];
  // Group changes whose context windows touch into hunks.
  let hunkStart = 0;
  while (hunkStart < changed.length) {
    let hunkEnd = hunkStart;
    while (hunkEnd + 1 < changed.length && changed[hunkEnd + 1] - changed[hunkEnd] <= 2 * context) hunkEnd++;
    const from = Math.max(0, changed[hunkStart] - context);
    const to = Math.min(ops.length, changed[hunkEnd] + context + 1);
    let oldLine = 0;
    let newLine = 0;
    for (let i = 0; i < from; i++) {
      if (ops[i].kind !== 'insert') oldLine++;
      if (ops[i].kind !== 'delete') newLine++;
    }
    const body: string[] = [];
    let oldCount = 0;
    let newCount = 0;
    for (let i = from; i < to; i++) {
      const op = ops[i];
      const marker = op.kind === 'equal' ? ' ' : op.kind === 'delete' ? '-' : '+';
      if (op.kind !== 'insert') oldCount++;
      if (op.kind !== 'delete') newCount++;
      body.push(`${marker}${op.line.text}${op.line.eol === '' ? '\n\\ No newline at end of file\n' : op.line.eol === '\r' ? '\r\n' : op.line.eol}`);
    }
    out.push(`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@\n`, ...body);
    hunkStart = hunkEnd + 1;
  }
  return out.join('');
}
